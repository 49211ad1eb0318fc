// Trainer: the Keras-style front of supervised training — fit (the one Loop driving a
// Supervised learner, with validation, callbacks, sinks, a progress bar and resumable
// checkpoints), train_step / evaluate_step for loops written by hand, evaluate and predict.
// It owns no model or optimizer (the caller's, held by reference) and adds no math.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "soma/data/dataset.h"
#include "soma/io/checkpoint.h"
#include "soma/nn/loss.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/loop.h"
#include "soma/train/supervised.h"

namespace soma::train {

/// What evaluate() measures: the mean loss per example (weight penalties included, as Keras)
/// and, for classification, the accuracy.
struct Metrics {
  double loss = 0;  ///< mean loss per example
  /// Fraction of correct predictions; NaN when the targets are not classes (see Supervised).
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// Trains `model` with `optimizer` on `loss`:
///   optim::Adam opt(net.parameters(), {.lr = 1e-3});
///   train::Trainer trainer(net, opt, loss::CrossEntropy());
///   auto history = trainer.fit(train, {.epochs = 5, .batch_size = 64, .validation = test,
///                                      .callbacks = {train::EarlyStopping({.patience = 2})}});
///   std::printf("test accuracy %.4f\n", trainer.evaluate(test).accuracy);
/// or step by step, the same computation as fit:
///   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true});
///   loader.start_epoch();
///   while (auto batch = loader.next()) trainer.train_step(*batch);
/// Accuracy is logged when the targets are classes (see Supervised). The model and optimizer
/// are the caller's and must outlive the Trainer; the loss is copied. fit, evaluate and predict
/// leave the model in the train/eval mode they found it in.
class Trainer {
 public:
  /// Throws soma::Error when the loss's reduction is none (a step needs one number).
  Trainer(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss);
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// One training step on `batch` in the model's current mode: forward, loss (+ weight
  /// penalties), backward, the gradient hooks, optimizer step, zero_grad. Returns the step's
  /// loss (values["loss"]), accuracy counts and output.
  StepResult train_step(const data::Batch& batch) { return learner_.train_step(batch); }
  /// The same measurements in eval mode without a graph; the model's mode is restored.
  StepResult evaluate_step(const data::Batch& batch);
  /// A hook run between backward and every optimizer step (clipping, gradient logging; the
  /// data-parallel allreduce). Returns its id for remove_gradient_hook.
  int add_gradient_hook(GradientHook hook) { return learner_.add_gradient_hook(std::move(hook)); }
  void remove_gradient_hook(int id) { learner_.remove_gradient_hook(id); }

  /// Trains on `train` (x [N, ...] and targets) for options.epochs epochs and returns the
  /// per-epoch logs ("loss", "accuracy", "val_loss", "val_accuracy", "lr"). See Loop::fit.
  History fit(std::shared_ptr<const data::Dataset> train, const FitOptions& options = {});
  /// fit(train, options) continuing from the checkpoint at `path` (options.resume_from = path).
  History resume(const std::string& path, std::shared_ptr<const data::Dataset> train, FitOptions options = {});

  /// Mean loss and accuracy over `dataset`, in eval mode without recording a graph.
  /// Throws soma::Error for an empty dataset or batch_size < 1.
  Metrics evaluate(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size = 32);
  /// The model's outputs for every example of `dataset` (its x), in order, concatenated on
  /// axis 0; eval mode, no graph. Throws soma::Error for an empty dataset or batch_size < 1.
  Tensor predict(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size = 32);
  /// The model's outputs for x [N, ...], batch_size rows at a time.
  Tensor predict(const Tensor& x, std::int64_t batch_size = 32);

  nn::Module& model() const { return learner_.model(); }
  optim::Optimizer& optimizer() const { return learner_.optimizer(); }
  const loss::Loss& loss() const { return learner_.loss(); }
  Supervised& learner() { return learner_; }
  /// The loop fit runs: the Context its callbacks see (step, history, stop, checkpoints).
  Loop& loop() { return loop_; }
  const Loop& loop() const { return loop_; }

  // ---- the loop's, for convenience ----
  void request_stop() { loop_.request_stop(); }
  bool stop_requested() const { return loop_.stop_requested(); }
  std::int64_t epochs() const { return loop_.epochs(); }
  std::int64_t batches_per_epoch() const { return loop_.batches_per_epoch(); }
  std::int64_t step() const { return loop_.step(); }
  const History& history() const { return loop_.history(); }
  /// Whether the last fit ended by an interrupt() from a callback.
  bool interrupted() const { return loop_.interrupted(); }
  /// During fit: the resumable state (Loop::state). Throws soma::Error outside fit.
  io::Checkpoint state() const { return loop_.state(); }
  /// Writes state() to `path` atomically. Throws soma::Error outside fit or when writing fails.
  void save_checkpoint(const std::string& path) { loop_.save_checkpoint(path); }

 private:
  mutable Supervised learner_;
  Loop loop_;
};

}  // namespace soma::train
