// Loop: the epoch and batch loops of fit, shared by every learner, and evaluate. The resumable
// state (what a checkpoint holds and how it is restored) is in loop_state.cpp.
#include "soma/train/loop.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "soma/autograd/grad_mode.h"
#include "soma/core/threads.h"
#include "soma/data/split.h"
#include "soma/optim/clip_grad.h"
#include "soma/train/progress_bar.h"
#include "train/loop_run.h"

namespace soma::train {

namespace {

// Removes the gradient hooks a fit installed (clipping) when it ends, even by a throw.
class HookGuard {
 public:
  explicit HookGuard(Learner& learner) : learner_(learner) {}
  ~HookGuard() {
    for (int id : ids_) learner_.remove_gradient_hook(id);
  }
  void add(GradientHook hook) { ids_.push_back(learner_.add_gradient_hook(std::move(hook))); }
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;

 private:
  Learner& learner_;
  std::vector<int> ids_;
};

// Examples [begin, end) of `dataset`, in order: the two parts of validation_split.
std::shared_ptr<data::Subset> range(std::shared_ptr<const data::Dataset> dataset, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> indices(end - begin);
  std::iota(indices.begin(), indices.end(), begin);
  return std::make_shared<data::Subset>(std::move(dataset), std::move(indices));
}

void check_options(const FitOptions& options) {
  SOMA_CHECK(options.epochs >= 0, "fit: epochs must be >= 0, got ", options.epochs);
  SOMA_CHECK(options.batch_size >= 1, "fit: batch_size must be >= 1, got ", options.batch_size);
  SOMA_CHECK(options.verbose >= 0 && options.verbose <= 2, "fit: verbose must be 0, 1 or 2, got ", options.verbose);
  SOMA_CHECK(options.validation_split >= 0 && options.validation_split < 1,
             "fit: validation_split must be in [0, 1), got ", options.validation_split);
  SOMA_CHECK(!(options.validation && options.validation_split > 0),
             "fit: give either validation or validation_split, not both");
  SOMA_CHECK(options.clip_grad_norm >= 0, "fit: clip_grad_norm must be >= 0 (0: off), got ", options.clip_grad_norm);
  SOMA_CHECK(options.clip_grad_value >= 0, "fit: clip_grad_value must be >= 0 (0: off), got ",
             options.clip_grad_value);
  SOMA_CHECK(options.checkpoint_every_n_batches >= 0, "fit: checkpoint_every_n_batches must be >= 0, got ",
             options.checkpoint_every_n_batches);
  SOMA_CHECK(options.checkpoint_every_n_batches == 0 || !options.checkpoint_path.empty(),
             "fit: checkpoint_every_n_batches needs a checkpoint_path");
  SOMA_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size,
             "fit: expected 0 <= rank < world_size, got rank ", options.rank, " of world_size ", options.world_size);
}

}  // namespace

void EpochSums::add(const StepResult& step) {
  for (const auto& [name, value] : step.values) {
    sums[name] += value * double(step.examples);
    weights[name] += step.examples;
  }
  examples += step.examples;
  correct += step.correct;
  counted += step.counted;
}

void EpochSums::logs(const std::string& prefix, Logs& logs) const {
  for (const auto& [name, sum] : sums) logs[prefix + name] = sum / double(weights.at(name));
  if (counted > 0) logs[prefix + "accuracy"] = double(correct) / double(counted);
}

Logs step_values(const StepResult& step) {
  Logs logs = step.values;
  if (step.counted > 0) logs["accuracy"] = double(step.correct) / double(step.counted);
  return logs;
}

Loop::Loop(Learner& learner) : learner_(learner) {}

Loop::~Loop() = default;

optim::Optimizer& Loop::optimizer() {
  const auto optimizers = learner_.optimizers();
  SOMA_CHECK(!optimizers.empty(), "the learner '", learner_.name(), "' has no optimizer");
  return *optimizers.front();
}

std::int64_t Loop::batches_per_epoch() const { return run_ ? run_->loader->batches_per_epoch() : 0; }

History Loop::fit(std::shared_ptr<const data::Dataset> train, const FitOptions& options) {
  SOMA_CHECK(!run_, "fit: already fitting (fit called from a callback?)");
  SOMA_CHECK(train, "fit: the training set is null");
  SOMA_CHECK(is_grad_enabled(), "fit: called while a NoGradGuard is alive; training needs gradients");
  check_options(options);

  Run run{.options = options};
  run.train = std::move(train);
  run.validation = options.validation;
  if (options.validation_split > 0) {
    // Keras' rule: the last fraction, taken before shuffling, so it is the same every epoch.
    const std::int64_t n = run.train->size();
    const auto kept = static_cast<std::int64_t>(double(n) * (1 - options.validation_split));
    SOMA_CHECK(kept > 0 && kept < n, "fit: validation_split ", options.validation_split, " of ", n,
               " examples leaves an empty training or validation set");
    run.validation = range(run.train, kept, n);
    run.train = range(run.train, 0, kept);
  }
  SOMA_CHECK(run.train->size() > 0, "fit: the training set is empty");
  data::DataLoaderOptions loader;
  loader.batch_size = options.batch_size;
  loader.shuffle = options.shuffle;
  loader.prefetch = options.prefetch;
  loader.seed = options.seed;
  loader.transforms = options.transforms;
  loader.rank = int(options.rank);
  loader.world_size = int(options.world_size);
  run.loader = std::make_unique<data::DataLoader>(run.train, loader);
  for (const auto& callback : options.callbacks) run.callbacks.push_back(callback.get());
  events_ = EventStream();
  if (options.verbose > 0) events_.add(std::make_shared<ProgressBar>(ProgressBarOptions{.verbose = options.verbose}));
  for (const auto& sink : options.sinks) events_.add(sink);

  io::Checkpoint resume_state;
  if (!options.resume_from.empty()) resume_state = io::load_checkpoint(options.resume_from);

  history_ = History();
  step_logs_.clear();
  stop_requested_ = interrupt_requested_ = interrupted_ = false;
  epochs_ = options.epochs;
  step_ = 0;
  run_ = &run;
  struct Clear {
    Loop& loop;
    ~Clear() { loop.run_ = nullptr; }
  } clear{*this};
  nn::ModeGuard mode(model());
  HookGuard hooks(learner_);
  if (options.clip_grad_norm > 0)
    hooks.add([max = options.clip_grad_norm](optim::Optimizer& opt) { optim::clip_grad_norm(opt.params(), max); });
  if (options.clip_grad_value > 0)
    hooks.add([max = options.clip_grad_value](optim::Optimizer& opt) { optim::clip_grad_value(opt.params(), max); });

  for (auto& callback : run.callbacks) callback->on_train_begin(*this);
  bool continuing = false;  // true when resuming inside an epoch: its order is already restored
  if (!options.resume_from.empty()) {
    load_state(resume_state, run);
    continuing = run.batch > 0;
  }
  const auto optimizers = learner_.optimizers();
  for (auto* opt : optimizers) opt->zero_grad();
  // Per-step logs are built only for someone to read them.
  const bool observed = !run.callbacks.empty() || !events_.empty();
  events_.begin(options.epochs, step_, run.epoch);
  // Unless someone chose the thread count: all cores, or one while that is faster.
  AdaptiveThreads threads;

  for (std::int64_t epoch = run.epoch; epoch < options.epochs && !stop_requested_; ++epoch) {
    run.epoch = epoch;
    const bool fresh = !continuing;
    if (fresh) {
      run.loader->start_epoch();
      run.batch = 0;
      run.sums = {};
    }
    continuing = false;
    const std::int64_t batches = run.loader->batches_per_epoch();
    for (auto& callback : run.callbacks) callback->on_epoch_begin(*this, epoch);
    events_.epoch_begin(epoch, options.epochs, batches, run.batch);
    // The lr the epoch started with; a per-batch schedule has moved it since when resuming.
    if (fresh) run.lr = optimizers.empty() ? std::numeric_limits<double>::quiet_NaN() : optimizers.front()->lr();
    model().train();
    Logs means;
    while (auto batch = run.loader->next()) {
      threads.tick();
      StepResult result = learner_.train_step(*batch);
      if (options.reduce_step) options.reduce_step(result);
      run.sums.add(result);
      ++run.batch;
      ++step_;
      if (observed) {
        step_logs_ = step_values(result);
        run.sums.logs("", means);
        // The step's event first: a checkpoint a callback saves must find the step's row written
        // (a run killed right after that checkpoint would resume without it).
        events_.step({.step = step_, .epoch = epoch, .batch = run.batch - 1, .batches_per_epoch = batches,
                      .values = step_logs_, .means = means});
        for (auto& callback : run.callbacks) callback->on_batch_end(*this, run.batch - 1, means);
      }
      if (options.checkpoint_every_n_batches > 0 && step_ % options.checkpoint_every_n_batches == 0)
        write_checkpoint(options.checkpoint_path);
      if (interrupt_requested_) break;
    }
    if (interrupt_requested_) {
      interrupted_ = true;
      break;
    }
    end_epoch(run, epoch);
  }
  // An interrupted fit stops where it is (a callback saved a checkpoint to continue from):
  // on_train_end would finish it (EarlyStopping restores its best weights there).
  if (!interrupted_)
    for (auto& callback : run.callbacks) callback->on_train_end(*this);
  events_.end();
  return history_;
}

void Loop::end_epoch(Run& run, std::int64_t epoch) {
  Logs logs;
  run.sums.logs("", logs);
  if (run.validation) {
    const Logs val = evaluate(run.validation, run.options.batch_size);
    for (const auto& [name, value] : val) logs["val_" + name] = value;
  }
  if (!std::isnan(run.lr)) logs["lr"] = run.lr;
  run.in_epoch_end = true;
  for (auto& callback : run.callbacks) callback->on_epoch_end(*this, epoch, logs);
  run.in_epoch_end = false;
  history_.append(epoch, logs);
  events_.epoch_end({.epoch = epoch, .epochs = run.options.epochs, .step = step_, .logs = logs});
  learner_.report_epoch(events_, epoch);
  // The epoch is over: a checkpoint from here on resumes at the start of the next one.
  run.epoch = epoch + 1;
  run.batch = 0;
  run.sums = {};
  auto pending = std::move(run.pending_checkpoints);
  run.pending_checkpoints.clear();
  for (const auto& path : pending) write_checkpoint(path);
}

void Loop::save_checkpoint(const std::string& path) {
  SOMA_CHECK(run_, "save_checkpoint: only during fit (from a callback); save the model with io::save");
  if (run_->in_epoch_end)
    run_->pending_checkpoints.push_back(path);
  else
    write_checkpoint(path);
}

void for_each_eval_batch(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                         const std::string& who, const std::function<void(const data::Batch&)>& fn) {
  SOMA_CHECK(dataset, who, ": the dataset is null");
  SOMA_CHECK(batch_size >= 1, who, ": batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(dataset->size() > 0, who, ": the dataset is empty");
  nn::ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;
  data::DataLoaderOptions options;
  options.batch_size = batch_size;
  data::DataLoader loader(std::move(dataset), options);
  loader.start_epoch();
  while (auto batch = loader.next()) fn(*batch);
}

Logs Loop::evaluate(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size) {
  EpochSums sums;
  for_each_eval_batch(model(), std::move(dataset), batch_size, "evaluate",
                      [&](const data::Batch& batch) { sums.add(learner_.evaluate_step(batch)); });
  Logs logs;
  sums.logs("", logs);
  return logs;
}

}  // namespace soma::train
