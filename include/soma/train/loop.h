// Loop: the one training loop. It drives any Learner (learner.h) over a data set — epochs of
// shuffled batches, one learner step each — and does everything around the steps the same way
// for every learner: callbacks (callback.h), the event stream and its sinks (events.h),
// per-epoch validation, History, and resumable checkpoints. fit() is a plain loop over
// learner.train_step(); the same loop written by hand gives the same result bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "soma/data/dataloader.h"
#include "soma/data/dataset.h"
#include "soma/io/checkpoint.h"
#include "soma/train/callback.h"
#include "soma/train/context.h"
#include "soma/train/events.h"
#include "soma/train/history.h"
#include "soma/train/learner.h"

namespace soma::train {

/// How fit() trains. Epochs count from 0; `epochs` is the total, so a resumed fit runs the
/// epochs the checkpoint had not finished.
struct FitOptions {
  std::int64_t epochs = 1;       ///< total epochs (>= 0)
  std::int64_t batch_size = 32;  ///< examples per step (>= 1); the last batch may be short
  bool shuffle = true;           ///< a new order of the training examples every epoch
  /// Evaluated after every epoch into "val_<name>" for each value evaluate_step gives
  /// ("val_loss", "val_accuracy"). Default: none.
  std::shared_ptr<const data::Dataset> validation = nullptr;
  /// Instead of `validation`: hold out this fraction of `train`, its last examples before any
  /// shuffling (as Keras), in [0, 1). Default 0: none. Not together with `validation`.
  double validation_split = 0;
  /// Called in this order (default: none). They may change training (stop it, checkpoint it).
  std::vector<CallbackHandle> callbacks = {};
  /// Observers of the run (run-folder files, a dashboard feed), after the progress bar.
  std::vector<std::shared_ptr<Sink>> sinks = {};
  /// Seeds the data loader's shuffling and transforms (default 0). Model init and dropout
  /// draw from generators of their own.
  std::uint64_t seed = 0;
  /// This process's part of every epoch when training data-parallel: rank in [0, world_size).
  /// Each rank sees a disjoint, deterministic shard of the epoch's order (data::DataLoader).
  int rank = 0, world_size = 1;
  /// Data-parallel: turns each step's result into the whole step's over all ranks (summed
  /// examples and counts, values weighted by examples) before the loop counts it, so the
  /// step and epoch logs, and the running sums a checkpoint holds, are every rank's. Default:
  /// none (this process's result).
  std::function<void(StepResult&)> reduce_step = {};
  /// 0 silent; 1 (default) a progress bar redrawn on a terminal, one line per epoch otherwise;
  /// 2 one line per epoch.
  int verbose = 1;
  /// Where checkpoint_every_n_batches writes the resumable checkpoint (default: none).
  std::string checkpoint_path = {};
  /// Writes a checkpoint to checkpoint_path after every this many steps (default 0: never),
  /// mid-epoch included. The file is replaced atomically.
  std::int64_t checkpoint_every_n_batches = 0;
  /// A checkpoint written by the same kind of loop and learner to continue from exactly
  /// (default: none, a fresh start).
  std::string resume_from = {};
  /// Applied in order to every training batch (augmentation, see soma/data/augment.h), drawing
  /// from the loader's per-batch generator, so a resumed fit sees the same augmented batches.
  /// Validation batches are not transformed (default: none).
  std::vector<data::Transform> transforms = {};
  /// Installs optim::clip_grad_norm as a gradient hook for this fit: before every optimizer
  /// step, all its gradients are rescaled together to a joint 2-norm of at most this
  /// (PyTorch's clip_grad_norm_, Keras's global_clipnorm). Default 0: off.
  double clip_grad_norm = 0;
  /// Installs optim::clip_grad_value as a gradient hook (after clip_grad_norm's): each
  /// gradient element clamped to [-v, v] (Keras's clipvalue). Default 0: off.
  double clip_grad_value = 0;
  /// Loads the next batch on a background thread while the step runs (default true). Turn it
  /// off when a step costs less than handing a batch between threads (about 6 us here): an RL
  /// agent's steps of one environment step each (rl::steps).
  bool prefetch = true;
};

/// Calls fn(batch) for every batch of `dataset` in order, `batch_size` examples at a time, with
/// `model` in eval mode (its mode restored after) and no graph recorded: evaluate and predict.
/// Throws soma::Error naming `who` for a null or empty dataset or batch_size < 1.
void for_each_eval_batch(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size,
                         const std::string& who, const std::function<void(const data::Batch&)>& fn);

/// Runs a learner:
///   train::Loop loop(gan);                                  // any Learner
///   auto history = loop.fit(images, {.epochs = 20, .batch_size = 64, .sinks = {folder}});
/// The learner must outlive the loop.
class Loop : public Context {
 public:
  explicit Loop(Learner& learner);
  ~Loop() override;
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  /// Trains for options.epochs epochs and returns the per-epoch logs (the means of each step
  /// value, "val_*" with validation data, "lr" when the learner has an optimizer). With
  /// resume_from it first restores everything the checkpoint holds (see state()); the History
  /// then holds the epochs before the checkpoint too. Stops early on request_stop() (after the
  /// epoch) or interrupt() (after the step; interrupted() is then true).
  /// Throws soma::Error for bad options, an empty training set, a checkpoint that does not fit
  /// this learner or these callbacks, and whatever the learner throws.
  History fit(std::shared_ptr<const data::Dataset> train, const FitOptions& options = {});
  /// The means of evaluate_step's values over `dataset` (in eval mode, no graph), with the
  /// accuracy from exact counts. Throws soma::Error for an empty dataset or batch_size < 1.
  Logs evaluate(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size = 32);

  /// Whether the last fit ended by interrupt().
  bool interrupted() const { return interrupted_; }
  Learner& learner() const { return learner_; }

  /// During fit: the resumable state — the learner's model ("model.*"), optimizers, own state
  /// and generators, the generators of every module in the model, each callback's state, the
  /// history, the epoch's running sums, the step, and the data loader's position and generator.
  /// Throws soma::Error outside fit.
  io::Checkpoint state() const;

  // ---- Context ----
  nn::Module& model() override { return learner_.model(); }
  optim::Optimizer& optimizer() override;
  std::int64_t step() const override { return step_; }
  std::int64_t epochs() const override { return epochs_; }
  std::int64_t batches_per_epoch() const override;
  const History& history() const override { return history_; }
  const Logs& step_logs() const override { return step_logs_; }
  EventStream& events() override { return events_; }
  void request_stop() override { stop_requested_ = true; }
  bool stop_requested() const override { return stop_requested_; }
  void interrupt() override { interrupt_requested_ = true; }
  void save_checkpoint(const std::string& path) override;

 private:
  struct Run;
  void load_state(const io::Checkpoint& state, Run& run);
  void write_checkpoint(const std::string& path) const;
  void end_epoch(Run& run, std::int64_t epoch);

  Learner& learner_;
  EventStream events_;  // the running (or last) fit's sinks
  History history_;
  Logs step_logs_;
  Run* run_ = nullptr;  // the fit in progress, null outside fit
  bool stop_requested_ = false;
  bool interrupt_requested_ = false;
  bool interrupted_ = false;
  std::int64_t epochs_ = 0;
  std::int64_t step_ = 0;
};

}  // namespace soma::train
