// Trainer: the Keras-style training loop over a model, an optimizer and a loss — fit (with
// validation, callbacks, a progress bar and resumable checkpoints), evaluate and predict.
// It owns no model or optimizer (the caller's, held by reference) and adds no math: each step
// is forward, loss (+ the model's weight penalties), backward, opt.step(), opt.zero_grad().
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "soma/data/dataloader.h"
#include "soma/data/dataset.h"
#include "soma/io/checkpoint.h"
#include "soma/nn/loss.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/callback.h"
#include "soma/train/history.h"

namespace soma::train {

/// How fit() trains. Epochs count from 0; `epochs` is the total, so a resumed fit runs the
/// epochs the checkpoint had not finished.
struct FitOptions {
  std::int64_t epochs = 1;       ///< total epochs (>= 0)
  std::int64_t batch_size = 32;  ///< examples per optimizer step (>= 1); the last batch may be short
  bool shuffle = true;           ///< a new order of the training examples every epoch
  /// Evaluated after every epoch into "val_loss" and "val_accuracy" (default: none).
  std::shared_ptr<const data::Dataset> validation = nullptr;
  /// Instead of `validation`: hold out this fraction of `train`, its last examples before any
  /// shuffling (as Keras), in [0, 1). Default 0: none. Not together with `validation`.
  double validation_split = 0;
  /// Called in this order, before the progress bar (default: none).
  std::vector<CallbackHandle> callbacks = {};
  /// Seeds the data loader's shuffling (default 0). Model init and dropout draw from the
  /// generators they were given (default_generator() unless chosen otherwise).
  std::uint64_t seed = 0;
  /// 0 silent; 1 (default) a progress bar redrawn on a terminal, one line per epoch otherwise;
  /// 2 one line per epoch.
  int verbose = 1;
  /// Where checkpoint_every_n_batches writes the resumable checkpoint (default: none).
  std::string checkpoint_path = {};
  /// Writes a checkpoint to checkpoint_path after every this many optimizer steps (default 0:
  /// never), mid-epoch included. The file is replaced atomically.
  std::int64_t checkpoint_every_n_batches = 0;
  /// A checkpoint written by this Trainer's save_checkpoint (or checkpoint_every_n_batches,
  /// or ModelCheckpoint) to continue from exactly (default: none, a fresh start).
  std::string resume_from = {};
  /// Applied in order to every training batch (augmentation, see soma/data/augment.h), drawing
  /// from the loader's per-batch generator, so a resumed fit sees the same augmented batches.
  /// Validation, evaluate and predict batches are not transformed (default: none).
  std::vector<data::Transform> transforms = {};
  /// Before every optimizer step, rescales all gradients together so that their joint 2-norm is
  /// at most this (optim::clip_grad_norm, PyTorch's clip_grad_norm_; Keras's global_clipnorm).
  /// Default 0: off. Recurrent networks trained through time usually want ~1.
  double clip_grad_norm = 0;
  /// Before every optimizer step, clamps each gradient element to [-v, v]
  /// (optim::clip_grad_value; Keras's clipvalue), after clip_grad_norm. Default 0: off.
  double clip_grad_value = 0;
};

/// What evaluate() measures: the mean loss per example (weight penalties included, as Keras)
/// and, for classification, the accuracy.
struct Metrics {
  double loss = 0;  ///< mean loss per example
  /// Fraction of correct predictions; NaN when the targets are not classes (see Trainer).
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// Trains `model` with `optimizer` on `loss`:
///   optim::Adam opt(net.parameters(), {.lr = 1e-3});
///   train::Trainer trainer(net, opt, loss::CrossEntropy());
///   auto history = trainer.fit(train, {.epochs = 5, .batch_size = 64, .validation = test,
///                                      .callbacks = {train::EarlyStopping({.patience = 2})}});
///   std::printf("test accuracy %.4f\n", trainer.evaluate(test).accuracy);
/// Accuracy is logged when the targets are classes: int64 labels [N] with outputs [N, C];
/// int64 labels [N, T] with sequence outputs [N, T, C] (per token, negative labels skipped);
/// probabilities [N, C] with CrossEntropy (argmax against argmax); or, for BCE, BCEWithLogits
/// and Hinge, the thresholded output (0.5 for probabilities, 0 for logits and hinge).
/// The model and optimizer are the caller's and must outlive the Trainer; the loss is copied.
/// fit, evaluate and predict leave the model in the train/eval mode they found it in.
class Trainer {
 public:
  /// Throws soma::Error when the loss's reduction is none (a step needs one number).
  Trainer(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Trains on `train` (x [N, ...] and targets) for options.epochs epochs and returns the
  /// per-epoch logs ("loss", "accuracy", "val_loss", "val_accuracy", "lr"). With resume_from
  /// it first restores everything the checkpoint holds (see state()) and continues; the
  /// History returned then holds the epochs before the checkpoint too.
  /// Throws soma::Error for bad options, an empty training set, a checkpoint that does not
  /// fit this model, optimizer or callbacks, and whatever the model or loss throws.
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

  // ---- for callbacks ----
  nn::Module& model() const { return model_; }
  optim::Optimizer& optimizer() const { return optimizer_; }
  const loss::Loss& loss() const { return *loss_; }
  /// Asks fit() to stop after the current epoch (Keras' model.stop_training = True).
  void request_stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }
  /// The running fit's total epochs, batches per epoch and steps so far (0 outside fit).
  std::int64_t epochs() const { return epochs_; }
  std::int64_t batches_per_epoch() const;
  std::int64_t step() const { return step_; }
  /// The epochs finished so far in the running (or last) fit.
  const History& history() const { return history_; }

  /// During fit: the resumable state, as an io::Checkpoint holding copies — model parameters
  /// and buffers ("model.<name>"), the optimizer's state_dict ("optimizer.*"), each callback's
  /// state ("callbacks.<i>.*", its name in metadata "callbacks.<i>"), the history so far
  /// ("history.*"); metadata: epoch, batch and step, the running epoch's sums, the states of
  /// default_generator() and of the data loader. Throws soma::Error outside fit.
  /// NOTE: generators other than default_generator() (one given to a Dropout, say) are not
  /// included; give layers the default generator, or save those yourself, to resume exactly.
  io::Checkpoint state() const;
  /// Writes state() to `path` atomically (a crash leaves the old file or the new one).
  /// Called from on_epoch_end the file is written once every callback's on_epoch_end has run,
  /// so it holds their updated state. Throws soma::Error outside fit or when writing fails.
  void save_checkpoint(const std::string& path);

 private:
  struct Run;
  struct Accumulator;
  void load_state(const io::Checkpoint& state, Run& run);
  void write_checkpoint(const std::string& path) const;
  void run_epoch_end(Run& run, std::int64_t epoch);

  nn::Module& model_;
  optim::Optimizer& optimizer_;
  std::unique_ptr<loss::Loss> loss_;
  History history_;
  Run* run_ = nullptr;  // the fit in progress, null outside fit
  bool stop_requested_ = false;
  std::int64_t epochs_ = 0;
  std::int64_t step_ = 0;
};

}  // namespace soma::train
