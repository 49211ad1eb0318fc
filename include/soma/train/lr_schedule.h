// Learning-rate schedule callbacks: LearningRateScheduler steps an optim::LRScheduler (StepLR,
// CosineAnnealingLR, ...) after every epoch; OneCycleLR steps an optim::OneCycleLR after every
// batch; ReduceLROnPlateau steps an optim::ReduceLROnPlateau with a monitored value. The schedules' math is in optim; these
// only call it at the right time and keep its state in checkpoints.
#pragma once

#include <memory>
#include <string>

#include "soma/optim/plateau.h"
#include "soma/optim/schedule.h"
#include "soma/train/callback.h"

namespace soma::train {

/// Calls schedule.step() at the end of every epoch, so epoch e trains with the schedule's lr
/// for epoch e (the lr logged as "lr"). Keeps a reference: the schedule must outlive the fit.
///   optim::StepLR step_lr(opt, {.step_size = 10, .gamma = 0.5});
///   trainer.fit(train, {.epochs = 30, .callbacks = {train::LearningRateScheduler(step_lr)}});
/// NOTE: the schedule starts at its construction, like PyTorch's; a second fit with the same
/// schedule continues it.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(optim::LRScheduler& schedule) : schedule_(&schedule) {}
  std::string name() const override { return "LearningRateScheduler"; }

  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  /// The schedule's state_dict (its epoch and lrs).
  std::map<std::string, Tensor> state_dict() const override { return schedule_->state_dict(); }
  void load_state_dict(const std::map<std::string, Tensor>& state) override { schedule_->load_state_dict(state); }

 private:
  optim::LRScheduler* schedule_;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";           ///< the logged value to watch
  MonitorMode mode = MonitorMode::automatic;  ///< min, max, or from the name ("acc" -> max)
  double factor = 0.1;                        ///< lr multiplier on a plateau, in [0, 1)
  std::int64_t patience = 10;                 ///< bad epochs tolerated before reducing (>= 0)
  double threshold = 1e-4;                    ///< least significant improvement (>= 0)
  optim::ThresholdMode threshold_mode = optim::ThresholdMode::rel;  ///< relative (default) or absolute
  std::int64_t cooldown = 0;                  ///< epochs after a reduction that count as good
  double min_lr = 0;                          ///< the lr never goes below this (>= 0)
};

/// Reduces the trainer's optimizer's lr when `monitor` stops improving, with the counting of
/// optim::ReduceLROnPlateau (PyTorch's: the lr drops once more than `patience` epochs in a
/// row were not significantly better, which is one epoch later than Keras' callback).
///   trainer.fit(train, {.validation = test, .callbacks = {train::ReduceLROnPlateau({.patience = 2})}});
/// A missing monitor value skips the epoch (with a warning on stderr). Bad options throw
/// soma::Error from on_train_begin, where the optimizer becomes known.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(const ReduceLROnPlateauOptions& options = {});
  std::string name() const override { return "ReduceLROnPlateau"; }

  void on_train_begin(Context& context) override;
  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The schedule of the running (or last) fit; null before the first.
  const optim::ReduceLROnPlateau* schedule() const { return plateau_.get(); }

 private:
  ReduceLROnPlateauOptions options_;
  std::shared_ptr<optim::ReduceLROnPlateau> plateau_;
};

/// The 1cycle policy (optim::OneCycleLR, PyTorch's OneCycleLR) over a fit, stepped after every
/// batch. total_steps 0 (the default) is the fit's epochs times its batches per epoch, known at
/// on_train_begin, where the schedule is made (and starts again for each fit).
///   trainer.fit(train, {.epochs = 4, .callbacks = {train::OneCycleLR({.max_lr = 0.004})}});
/// Bad options throw soma::Error from on_train_begin.
class OneCycleLR : public Callback {
 public:
  explicit OneCycleLR(const optim::OneCycleLROptions& options) : options_(options) {}
  std::string name() const override { return "OneCycleLR"; }

  void on_train_begin(Context& context) override;
  void on_batch_end(Context& context, std::int64_t batch, const Logs& logs) override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The schedule of the running (or last) fit; null before the first.
  const optim::OneCycleLR* schedule() const { return cycle_.get(); }

 private:
  optim::OneCycleLROptions options_;
  std::shared_ptr<optim::OneCycleLR> cycle_;
};

}  // namespace soma::train
