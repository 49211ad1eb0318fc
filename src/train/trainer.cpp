// Trainer: the epoch and batch loops of fit, plus evaluate and predict. The resumable state
// (what a checkpoint holds and how it is restored) is in trainer_state.cpp; the per-batch
// accounting shared by both is in trainer_run.h.
#include "soma/train/trainer.h"

#include <cmath>
#include <numeric>

#include "soma/autograd/grad_mode.h"
#include "soma/data/split.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/view.h"
#include "soma/optim/clip_grad.h"
#include "soma/train/progress_bar.h"
#include "train/trainer_run.h"

namespace soma::train {

namespace {

// Restores the module's train/eval mode when a fit, evaluate or predict ends (even by a throw).
class ModeGuard {
 public:
  explicit ModeGuard(nn::Module& model) : model_(model), training_(model.is_training()) {}
  ~ModeGuard() { model_.train(training_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  nn::Module& model_;
  bool training_;
};

// Examples [begin, end) of `dataset`, in order: the two parts of validation_split.
std::shared_ptr<data::Subset> range(std::shared_ptr<const data::Dataset> dataset, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> indices(end - begin);
  std::iota(indices.begin(), indices.end(), begin);
  return std::make_shared<data::Subset>(std::move(dataset), std::move(indices));
}

}  // namespace

data::DataLoaderOptions loader_options(std::int64_t batch_size, bool shuffle, std::uint64_t seed) {
  data::DataLoaderOptions options;
  options.batch_size = batch_size;
  options.shuffle = shuffle;
  options.seed = seed;
  return options;
}

Trainer::Trainer(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss)
    : model_(model), optimizer_(optimizer), loss_(loss.clone()) {
  SOMA_CHECK(loss_->reduction() != Reduction::none, "Trainer: the loss '", loss_->name(),
             "' has reduction none; a training step needs one number (use mean or sum)");
}

Trainer::~Trainer() = default;

std::int64_t Trainer::batches_per_epoch() const { return run_ ? run_->loader->batches_per_epoch() : 0; }

History Trainer::resume(const std::string& path, std::shared_ptr<const data::Dataset> train, FitOptions options) {
  options.resume_from = path;
  return fit(std::move(train), options);
}

History Trainer::fit(std::shared_ptr<const data::Dataset> train, const FitOptions& options) {
  SOMA_CHECK(!run_, "Trainer::fit: already fitting (fit called from a callback?)");
  SOMA_CHECK(train, "Trainer::fit: the training set is null");
  SOMA_CHECK(is_grad_enabled(), "Trainer::fit: called while a NoGradGuard is alive; training needs gradients");
  SOMA_CHECK(options.epochs >= 0, "Trainer::fit: epochs must be >= 0, got ", options.epochs);
  SOMA_CHECK(options.batch_size >= 1, "Trainer::fit: batch_size must be >= 1, got ", options.batch_size);
  SOMA_CHECK(options.verbose >= 0 && options.verbose <= 2, "Trainer::fit: verbose must be 0, 1 or 2, got ",
             options.verbose);
  SOMA_CHECK(options.validation_split >= 0 && options.validation_split < 1,
             "Trainer::fit: validation_split must be in [0, 1), got ", options.validation_split);
  SOMA_CHECK(!(options.validation && options.validation_split > 0),
             "Trainer::fit: give either validation or validation_split, not both");
  SOMA_CHECK(options.clip_grad_norm >= 0, "Trainer::fit: clip_grad_norm must be >= 0 (0: off), got ",
             options.clip_grad_norm);
  SOMA_CHECK(options.clip_grad_value >= 0, "Trainer::fit: clip_grad_value must be >= 0 (0: off), got ",
             options.clip_grad_value);
  SOMA_CHECK(options.checkpoint_every_n_batches >= 0, "Trainer::fit: checkpoint_every_n_batches must be >= 0, got ",
             options.checkpoint_every_n_batches);
  SOMA_CHECK(options.checkpoint_every_n_batches == 0 || !options.checkpoint_path.empty(),
             "Trainer::fit: checkpoint_every_n_batches needs a checkpoint_path");

  Run run{.options = options};
  run.train = std::move(train);
  run.validation = options.validation;
  if (options.validation_split > 0) {
    // Keras' rule: the last fraction, taken before shuffling, so it is the same every epoch.
    const std::int64_t n = run.train->size();
    const auto kept = static_cast<std::int64_t>(double(n) * (1 - options.validation_split));
    SOMA_CHECK(kept > 0 && kept < n, "Trainer::fit: validation_split ", options.validation_split, " of ", n,
               " examples leaves an empty training or validation set");
    run.validation = range(run.train, kept, n);
    run.train = range(run.train, 0, kept);
  }
  SOMA_CHECK(run.train->size() > 0, "Trainer::fit: the training set is empty");
  data::DataLoaderOptions train_loader = loader_options(options.batch_size, options.shuffle, options.seed);
  train_loader.transforms = options.transforms;
  run.loader = std::make_unique<data::DataLoader>(run.train, train_loader);
  // The progress bar comes first so its epoch line is printed before other callbacks' messages.
  if (options.verbose > 0) run.callbacks.push_back(std::make_shared<ProgressBar>(ProgressBarOptions{.verbose = options.verbose}));
  run.first_user_callback = run.callbacks.size();
  for (const auto& callback : options.callbacks) run.callbacks.push_back(callback.get());

  io::Checkpoint resume_state;
  if (!options.resume_from.empty()) resume_state = io::load_checkpoint(options.resume_from);

  history_ = History();
  stop_requested_ = false;
  epochs_ = options.epochs;
  step_ = 0;
  run_ = &run;
  struct Clear {
    Trainer& t;
    ~Clear() { t.run_ = nullptr; }
  } clear{*this};
  ModeGuard mode(model_);

  for (auto& callback : run.callbacks) callback->on_train_begin(*this);
  bool continuing = false;  // true when resuming inside an epoch: its order is already restored
  if (!options.resume_from.empty()) {
    load_state(resume_state, run);
    continuing = run.batch > 0;
  }
  optimizer_.zero_grad();

  for (std::int64_t epoch = run.epoch; epoch < options.epochs && !stop_requested_; ++epoch) {
    run.epoch = epoch;
    if (!continuing) {
      run.loader->start_epoch();
      run.batch = 0;
      run.sums = {};
    }
    continuing = false;
    for (auto& callback : run.callbacks) callback->on_epoch_begin(*this, epoch);
    run.lr = optimizer_.lr();
    model_.train();
    Logs batch_logs;
    while (auto batch = run.loader->next()) {
      const Tensor output = model_(batch->x);
      const Tensor data_loss = (*loss_)(output, batch->y);
      const Tensor total = data_loss + model_.regularization_loss();
      total.backward();
      if (options.clip_grad_norm > 0) optim::clip_grad_norm(optimizer_.params(), options.clip_grad_norm);
      if (options.clip_grad_value > 0) optim::clip_grad_value(optimizer_.params(), options.clip_grad_value);
      optimizer_.step();
      optimizer_.zero_grad();
      run.sums.add_batch(*loss_, total.item(), output, batch->y);
      ++run.batch;
      ++step_;
      if (run.callbacks.size() > 0) {
        run.sums.logs("", batch_logs);
        for (auto& callback : run.callbacks) callback->on_batch_end(*this, run.batch - 1, batch_logs);
      }
      if (options.checkpoint_every_n_batches > 0 && step_ % options.checkpoint_every_n_batches == 0)
        write_checkpoint(options.checkpoint_path);
    }
    run_epoch_end(run, epoch);
  }
  for (auto& callback : run.callbacks) callback->on_train_end(*this);
  return history_;
}

void Trainer::run_epoch_end(Run& run, std::int64_t epoch) {
  Logs logs;
  run.sums.logs("", logs);
  if (run.validation) {
    const Metrics m = evaluate(run.validation, run.options.batch_size);
    logs["val_loss"] = m.loss;
    if (!std::isnan(m.accuracy)) logs["val_accuracy"] = m.accuracy;
  }
  logs["lr"] = run.lr;
  run.in_epoch_end = true;
  for (auto& callback : run.callbacks) callback->on_epoch_end(*this, epoch, logs);
  run.in_epoch_end = false;
  history_.append(epoch, logs);
  // The epoch is over: a checkpoint from here on resumes at the start of the next one.
  run.epoch = epoch + 1;
  run.batch = 0;
  run.sums = {};
  auto pending = std::move(run.pending_checkpoints);
  run.pending_checkpoints.clear();
  for (const auto& path : pending) write_checkpoint(path);
}

void Trainer::save_checkpoint(const std::string& path) {
  SOMA_CHECK(run_, "Trainer::save_checkpoint: only during fit (from a callback); save the model with io::save");
  if (run_->in_epoch_end)
    run_->pending_checkpoints.push_back(path);
  else
    write_checkpoint(path);
}

Metrics Trainer::evaluate(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size) {
  SOMA_CHECK(dataset, "Trainer::evaluate: the dataset is null");
  SOMA_CHECK(batch_size >= 1, "Trainer::evaluate: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(dataset->size() > 0, "Trainer::evaluate: the dataset is empty");
  ModeGuard mode(model_);
  model_.eval();
  NoGradGuard no_grad;
  data::DataLoader loader(dataset, loader_options(batch_size));
  loader.start_epoch();
  EpochSums sums;
  while (auto batch = loader.next()) {
    const Tensor output = model_(batch->x);
    sums.add_batch(*loss_, (*loss_)(output, batch->y).item(), output, batch->y);
  }
  // Keras adds the weight penalties to the evaluated loss too, once (they do not depend on data).
  Metrics m;
  m.loss = sums.mean_loss() + model_.regularization_loss().item();
  if (sums.counted > 0) m.accuracy = double(sums.correct) / double(sums.counted);
  return m;
}

Tensor Trainer::predict(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size) {
  SOMA_CHECK(dataset, "Trainer::predict: the dataset is null");
  SOMA_CHECK(batch_size >= 1, "Trainer::predict: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(dataset->size() > 0, "Trainer::predict: the dataset is empty");
  ModeGuard mode(model_);
  model_.eval();
  NoGradGuard no_grad;
  data::DataLoader loader(dataset, loader_options(batch_size));
  loader.start_epoch();
  std::vector<Tensor> outputs;
  while (auto batch = loader.next()) outputs.push_back(model_(batch->x));
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

Tensor Trainer::predict(const Tensor& x, std::int64_t batch_size) {
  SOMA_CHECK(x.defined() && x.dim() >= 1, "Trainer::predict: expected x [N, ...]");
  SOMA_CHECK(batch_size >= 1, "Trainer::predict: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(x.size(0) > 0, "Trainer::predict: x holds no examples");
  ModeGuard mode(model_);
  model_.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> outputs;
  for (std::int64_t begin = 0, n = x.size(0); begin < n; begin += batch_size)
    outputs.push_back(model_(slice(x, 0, begin, std::min(n, begin + batch_size))));
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

}  // namespace soma::train
