// The Loop's resumable state: what a checkpoint holds and how it is restored. A resume is
// exact when the checkpoint restores every input of the remaining computation: the weights and
// buffers, the optimizers' moments and step counts, the learner's own state, every generator
// in play (the learner's, each module's: dropout masks, and the loader's: the data order and
// augmentation), the callbacks' state (schedules, early stopping), and the running sums
// behind the epoch's logged values and the lr the epoch started with.

#include <cmath>
#include <limits>

#include "soma/core/factory.h"
#include "soma/io/weights.h"
#include "train/loop_run.h"

namespace soma::train {

namespace {

constexpr const char* kFormat = "soma.training";  // metadata "format": a Loop's checkpoint

// The tensor name of the history series of `metric`.
std::string series_name(const std::string& metric) { return "value." + metric; }

// Checkpoint keys of the learner's optimizers: "optimizer" when there is one (a Trainer's).
std::string optimizer_key(std::size_t i, std::size_t count) {
  return count == 1 ? std::string("optimizer") : "optimizer." + std::to_string(i);
}

// Every generator whose state a resume needs, by checkpoint key.
std::vector<std::pair<std::string, Generator*>> generators_in_play(Learner& learner) {
  std::vector<std::pair<std::string, Generator*>> all;
  for (const auto& [name, gen] : learner.generators()) all.emplace_back("rng.learner." + name, gen);
  for (const auto& [name, gen] : learner.model().named_generators()) all.emplace_back("rng.model." + name, gen.get());
  return all;
}

}  // namespace

io::Checkpoint Loop::state() const {
  SOMA_CHECK(run_, "state: only during fit");
  const Run& run = *run_;
  io::Checkpoint ckpt;
  ckpt.set_text("format", kFormat);
  ckpt.set_text("learner", learner_.name());

  std::vector<std::pair<std::string, Tensor>> weights;
  for (const auto& [name, t] : io::state_dict(learner_.model())) weights.emplace_back(name, t.copy());
  ckpt.add("model", weights);
  const auto optimizers = learner_.optimizers();
  for (std::size_t i = 0; i < optimizers.size(); ++i) {
    const std::string key = optimizer_key(i, optimizers.size());
    ckpt.set_text(key, optimizers[i]->name());
    ckpt.add(key, optimizers[i]->state_dict());  // already copies
  }
  std::map<std::string, Tensor> own;
  for (const auto& [name, t] : learner_.state_dict()) own[name] = t.copy();
  if (!own.empty()) ckpt.add("learner", own);
  for (const auto& [key, gen] : generators_in_play(learner_)) ckpt.set_text(key, gen->state());
  for (std::size_t i = 0; i < run.callbacks.size(); ++i) {
    const std::string key = "callbacks." + std::to_string(i);
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
  for (const auto& [name, sum] : run.sums.sums) {
    ckpt.set_real("running.sum." + name, sum);
    ckpt.set_integer("running.weight." + name, run.sums.weights.at(name));
  }
  if (!std::isnan(run.lr)) ckpt.set_real("running.lr", run.lr);
  ckpt.set_integer("running.examples", run.sums.examples);
  ckpt.set_integer("running.correct", run.sums.correct);
  ckpt.set_integer("running.counted", run.sums.counted);
  const data::LoaderState loader = run.loader->state();
  ckpt.set_integer("loader.epoch", loader.epoch);
  ckpt.set_integer("loader.next_batch", loader.next_batch);
  ckpt.set_text("loader.generator", loader.generator);
  return ckpt;
}

void Loop::write_checkpoint(const std::string& path) const { io::save_checkpoint(path, state()); }

void Loop::load_state(const io::Checkpoint& ckpt, Run& run) {
  const std::string& file = run.options.resume_from;
  const auto it = ckpt.metadata.find("format");
  SOMA_CHECK(it != ckpt.metadata.end() && it->second == kFormat, "'", file,
             "' is a checkpoint but not one written by a training loop");
  const auto learner = ckpt.metadata.find("learner");
  SOMA_CHECK(learner != ckpt.metadata.end() && learner->second == learner_.name(), "'", file,
             "' holds the state of a '", learner == ckpt.metadata.end() ? "?" : learner->second,
             "' learner, this fit trains a '", learner_.name(), "' one");
  SOMA_CHECK(ckpt.integer("batch_size") == run.options.batch_size, "the checkpoint '", file,
             "' was trained with batch_size ", ckpt.integer("batch_size"), ", this fit uses ",
             run.options.batch_size, "; resume with the same batch size");
  SOMA_CHECK(ckpt.integer("train_size") == run.train->size(), "the checkpoint '", file, "' was trained on ",
             ckpt.integer("train_size"), " examples, this fit has ", run.train->size());
  const auto optimizers = learner_.optimizers();
  for (std::size_t i = 0; i < optimizers.size(); ++i) {
    const std::string key = optimizer_key(i, optimizers.size());
    const auto saved = ckpt.metadata.find(key);
    SOMA_CHECK(saved != ckpt.metadata.end() && saved->second == optimizers[i]->name(), "the checkpoint '", file,
               "' holds the state of ", saved == ckpt.metadata.end() ? "no optimizer" : saved->second, " as ", key,
               ", this fit uses ", optimizers[i]->name());
  }
  const auto generators = generators_in_play(learner_);
  for (const auto& [key, gen] : generators)
    SOMA_CHECK(ckpt.metadata.count(key), "the checkpoint '", file, "' has no state for the generator '", key,
               "'; was it written for another model?");

  // Callback order first (nothing changes yet), then the model and optimizers, each of which
  // checks everything before writing; if a later part throws, the earlier ones are put back,
  // so a checkpoint that does not fit leaves the model and optimizers as they were.
  for (std::size_t i = 0; i < run.callbacks.size(); ++i) {
    const auto saved = ckpt.metadata.find("callbacks." + std::to_string(i));
    SOMA_CHECK(saved == ckpt.metadata.end() || saved->second == run.callbacks[i]->name(), "callback ", i, " is a ",
               run.callbacks[i]->name(), " but the checkpoint '", file, "' saved a ", saved->second,
               " there; pass the callbacks in the same order");
  }
  std::vector<std::pair<std::string, Tensor>> model_backup;
  for (const auto& [name, t] : io::state_dict(learner_.model())) model_backup.emplace_back(name, t.copy());
  std::vector<std::map<std::string, Tensor>> optimizer_backup;
  for (auto* opt : optimizers) optimizer_backup.push_back(opt->state_dict());
  std::map<std::string, Tensor> learner_backup;
  for (const auto& [name, t] : learner_.state_dict()) learner_backup[name] = t.copy();
  try {
    io::load_state_dict(learner_.model(), ckpt.take("model"),
                        {.origin = file, .advice = "Was the checkpoint written for another model? Resume with the "
                                                   "model (and config) that wrote it"});
    for (std::size_t i = 0; i < optimizers.size(); ++i)
      optimizers[i]->load_state_dict(ckpt.take_map(optimizer_key(i, optimizers.size())));
    if (ckpt.has("learner")) learner_.load_state_dict(ckpt.take_map("learner"));
    for (std::size_t i = 0; i < run.callbacks.size(); ++i) {
      // A callback the checkpoint does not know (added since) starts fresh.
      const std::string key = "callbacks." + std::to_string(i);
      if (ckpt.has(key)) run.callbacks[i]->load_state_dict(ckpt.take_map(key));
    }
    for (const auto& [key, gen] : generators) gen->set_state(ckpt.text(key));
  } catch (...) {
    io::load_state_dict(learner_.model(), model_backup);
    for (std::size_t i = 0; i < optimizers.size(); ++i) optimizers[i]->load_state_dict(optimizer_backup[i]);
    if (!learner_backup.empty()) learner_.load_state_dict(learner_backup);
    throw;
  }

  history_ = History();
  if (ckpt.has("history")) {
    const auto series = ckpt.take_map("history");
    const auto found = series.find("epoch");
    SOMA_CHECK(found != series.end() && found->second.dtype() == DType::i64 && found->second.dim() == 1,
               "the checkpoint '", file, "': its history has no int64 epoch numbers");
    const Tensor& epochs = found->second;
    for (const auto& [name, values] : series)
      SOMA_CHECK(name == "epoch" || (values.dtype() == DType::f64 && values.dim() == 1 &&
                                     values.numel() == epochs.numel()),
                 "the checkpoint '", file, "': its history series '", name, "' is not float64 [", epochs.numel(), "]");
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
  run.sums = {};
  for (const auto& [key, value] : ckpt.metadata)
    if (key.starts_with("running.sum.")) {
      run.sums.sums[key.substr(12)] = ckpt.real(key);
      run.sums.weights[key.substr(12)] = ckpt.integer("running.weight." + key.substr(12));
    }
  // The epoch's starting lr (older checkpoints lack it: the optimizer's lr then).
  run.lr = ckpt.metadata.count("running.lr") ? ckpt.real("running.lr")
           : optimizers.empty()              ? std::numeric_limits<double>::quiet_NaN()
                                             : optimizers.front()->lr();
  run.sums.examples = ckpt.integer("running.examples");
  run.sums.correct = ckpt.integer("running.correct");
  run.sums.counted = ckpt.integer("running.counted");
  run.loader->set_state({.epoch = ckpt.integer("loader.epoch"),
                         .next_batch = ckpt.integer("loader.next_batch"),
                         .generator = ckpt.text("loader.generator")});
}

}  // namespace soma::train
