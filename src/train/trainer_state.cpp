// The Trainer's resumable state: what a checkpoint holds, how it is restored, and the epoch
// sums that make a resumed epoch's logs equal to an uninterrupted one's. A resume is exact
// when the checkpoint restores every input of the remaining computation: the weights and
// buffers, the optimizer's moments and step count, the data order (the loader's generator and
// position) and the default generator (dropout masks), plus the callbacks' state (schedules,
// early stopping) and the running sums behind the epoch's logged loss and accuracy.

#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/io/weights.h"
#include "soma/ops/reduction.h"
#include "soma/train/metrics.h"
#include "train/trainer_run.h"

namespace soma::train {

namespace {

constexpr const char* kFormat = "soma.training";  // metadata "format": a Trainer's checkpoint

// The tensor name of the history series of `metric`.
std::string series_name(const std::string& metric) { return "value." + metric; }

}  // namespace

std::pair<std::int64_t, std::int64_t> score_predictions(const loss::Loss& loss, const Tensor& output,
                                                        const Tensor& target) {
  if (target.dtype() == DType::i64) {
    if (output.dim() == 2 && target.dim() == 1) return {count_correct(output, target), output.size(0)};
    if (output.dim() == 3 && target.dim() == 2) return count_token_correct(output, target);
    return {0, 0};
  }
  const std::string name = loss.name();
  if (output.shape() != target.shape() || output.dtype() != target.dtype()) return {0, 0};
  // Soft labels [N, C]: right when the top score is the most probable class.
  if (name == "cross_entropy" && output.dim() == 2)
    return {count_correct(output, argmax(target, 1)), output.size(0)};
  if (name == "bce") return {count_binary_correct(output, target, 0.5), output.numel()};
  if (name == "bce_with_logits" || name == "hinge") return {count_binary_correct(output, target, 0), output.numel()};
  return {0, 0};
}

void EpochSums::add_batch(const loss::Loss& loss, double value, const Tensor& output, const Tensor& target) {
  const std::int64_t n = output.dim() > 0 ? output.size(0) : 1;
  loss_sum += loss.reduction() == Reduction::sum ? value : value * double(n);
  examples += n;
  const auto [right, scored] = score_predictions(loss, output, target);
  correct += right;
  counted += scored;
}

void EpochSums::logs(const std::string& prefix, Logs& logs) const {
  logs[prefix + "loss"] = mean_loss();
  if (counted > 0) logs[prefix + "accuracy"] = double(correct) / double(counted);
}

io::Checkpoint Trainer::state() const {
  SOMA_CHECK(run_, "Trainer::state: only during fit");
  const Run& run = *run_;
  io::Checkpoint ckpt;
  ckpt.set_text("format", kFormat);
  ckpt.set_text("loss", loss_->name());
  ckpt.set_text("optimizer", optimizer_.name());

  std::vector<std::pair<std::string, Tensor>> weights;
  for (const auto& [name, t] : io::state_dict(model_)) weights.emplace_back(name, t.copy());
  ckpt.add("model", weights);
  ckpt.add("optimizer", optimizer_.state_dict());  // already copies
  for (std::size_t i = run.first_user_callback; i < run.callbacks.size(); ++i) {
    const std::string key = "callbacks." + std::to_string(i - run.first_user_callback);
    ckpt.set_text(key, run.callbacks[i]->name());
    const auto state = run.callbacks[i]->state_dict();
    if (!state.empty()) ckpt.add(key, state);
  }

  // History: epoch numbers and one float64 series per name (NaN where an epoch lacked it).
  const std::int64_t epochs = history_.size();
  if (epochs > 0) {
    std::vector<std::pair<std::string, Tensor>> series;
    series.emplace_back("epoch", from_data(std::span(history_.epochs()), {epochs}));
    for (const auto& [name, values] : history_.values())
      series.emplace_back(series_name(name), from_data(std::span<const double>(values), {epochs}, DType::f64));
    ckpt.add("history", series);
  }

  ckpt.set_integer("epoch", run.epoch);
  ckpt.set_integer("batch", run.batch);
  ckpt.set_integer("step", step_);
  ckpt.set_integer("epochs", epochs_);
  ckpt.set_integer("stop_requested", stop_requested_);
  ckpt.set_integer("batch_size", run.options.batch_size);
  ckpt.set_integer("train_size", run.train->size());
  ckpt.set_real("running.loss_sum", run.sums.loss_sum);
  ckpt.set_integer("running.examples", run.sums.examples);
  ckpt.set_integer("running.correct", run.sums.correct);
  ckpt.set_integer("running.counted", run.sums.counted);
  ckpt.set_text("rng.default", default_generator().state());
  const data::LoaderState loader = run.loader->state();
  ckpt.set_integer("loader.epoch", loader.epoch);
  ckpt.set_integer("loader.next_batch", loader.next_batch);
  ckpt.set_text("loader.generator", loader.generator);
  return ckpt;
}

void Trainer::write_checkpoint(const std::string& path) const { io::save_checkpoint(path, state()); }

void Trainer::load_state(const io::Checkpoint& ckpt, Run& run) {
  const auto it = ckpt.metadata.find("format");
  SOMA_CHECK(it != ckpt.metadata.end() && it->second == kFormat, "Trainer: '", run.options.resume_from,
             "' is a checkpoint but not one written by a Trainer");
  SOMA_CHECK(ckpt.integer("batch_size") == run.options.batch_size, "Trainer: the checkpoint was trained with batch_size ",
             ckpt.integer("batch_size"), ", this fit uses ", run.options.batch_size,
             "; resume with the same batch size");
  SOMA_CHECK(ckpt.integer("train_size") == run.train->size(), "Trainer: the checkpoint was trained on ",
             ckpt.integer("train_size"), " examples, this fit has ", run.train->size());
  SOMA_CHECK(ckpt.text("optimizer") == optimizer_.name(), "Trainer: the checkpoint holds the state of ",
             ckpt.text("optimizer"), ", this fit uses ", optimizer_.name());

  // Callback order first (nothing changes yet), then the model and optimizer, each of which
  // checks everything before writing; if a later part throws, the earlier ones are put back, so
  // a checkpoint that does not fit leaves the model and optimizer as they were.
  for (std::size_t i = run.first_user_callback; i < run.callbacks.size(); ++i) {
    const std::string key = "callbacks." + std::to_string(i - run.first_user_callback);
    const auto saved = ckpt.metadata.find(key);
    SOMA_CHECK(saved == ckpt.metadata.end() || saved->second == run.callbacks[i]->name(), "Trainer: callback ",
               i - run.first_user_callback, " is a ", run.callbacks[i]->name(), " but the checkpoint saved a ",
               saved->second, " there; pass the callbacks in the same order");
  }
  std::vector<std::pair<std::string, Tensor>> model_backup;
  for (const auto& [name, t] : io::state_dict(model_)) model_backup.emplace_back(name, t.copy());
  const auto optimizer_backup = optimizer_.state_dict();
  try {
    io::load_state_dict(model_, ckpt.take("model"));
    optimizer_.load_state_dict(ckpt.take_map("optimizer"));
    for (std::size_t i = run.first_user_callback; i < run.callbacks.size(); ++i) {
      // A callback the checkpoint does not know (added since) starts fresh.
      const std::string key = "callbacks." + std::to_string(i - run.first_user_callback);
      if (ckpt.has(key)) run.callbacks[i]->load_state_dict(ckpt.take_map(key));
    }
  } catch (...) {
    io::load_state_dict(model_, model_backup);
    optimizer_.load_state_dict(optimizer_backup);
    throw;
  }

  history_ = History();
  if (ckpt.has("history")) {
    const auto series = ckpt.take_map("history");
    const auto found = series.find("epoch");
    SOMA_CHECK(found != series.end() && found->second.dtype() == DType::i64 && found->second.dim() == 1,
               "Trainer: the checkpoint's history has no int64 epoch numbers");
    const Tensor& epochs = found->second;
    for (const auto& [name, values] : series)
      SOMA_CHECK(name == "epoch" || (values.dtype() == DType::f64 && values.dim() == 1 &&
                                     values.numel() == epochs.numel()),
                 "Trainer: the checkpoint's history series '", name, "' is not float64 [", epochs.numel(), "]");
    for (std::int64_t e = 0; e < epochs.numel(); ++e) {
      Logs logs;
      for (const auto& [name, values] : series)
        if (name.starts_with("value.")) logs[name.substr(6)] = values.data<double>()[e];
      history_.append(epochs.data<std::int64_t>()[e], logs);
    }
  }

  run.epoch = ckpt.integer("epoch");
  run.batch = ckpt.integer("batch");
  step_ = ckpt.integer("step");
  stop_requested_ = ckpt.integer("stop_requested") != 0;
  run.sums.loss_sum = ckpt.real("running.loss_sum");
  run.sums.examples = ckpt.integer("running.examples");
  run.sums.correct = ckpt.integer("running.correct");
  run.sums.counted = ckpt.integer("running.counted");
  default_generator().set_state(ckpt.text("rng.default"));
  run.loader->set_state({.epoch = ckpt.integer("loader.epoch"),
                         .next_batch = ckpt.integer("loader.next_batch"),
                         .generator = ckpt.text("loader.generator")});
}

}  // namespace soma::train
