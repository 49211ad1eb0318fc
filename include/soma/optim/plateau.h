// ReduceLROnPlateau: multiplies the lr by `factor` when a metric (validation loss, accuracy)
// has not improved for `patience` epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau
// (PyTorch 1.13 docs), with its relative/absolute thresholds, cooldown and min_lr.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "soma/optim/optimizer.h"

namespace soma::optim {

/// Whether a lower (min: losses) or a higher (max: accuracies) metric is better.
enum class PlateauMode { min, max };
/// How `threshold` defines a significant improvement: rel: better than best * (1 -+ threshold);
/// abs: better than best -+ threshold.
enum class ThresholdMode { rel, abs };

struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::min;                ///< lower or higher metric is better
  double factor = 0.1;                                ///< lr multiplier on a plateau, in [0, 1)
  std::int64_t patience = 10;                         ///< bad epochs tolerated before reducing (>= 0)
  double threshold = 1e-4;                            ///< least significant improvement (>= 0)
  ThresholdMode threshold_mode = ThresholdMode::rel;  ///< relative or absolute threshold
  std::int64_t cooldown = 0;                          ///< epochs after a reduction that count as good
  double min_lr = 0;                                  ///< the lr never goes below this (>= 0)
  double eps = 1e-8;                                  ///< reductions smaller than this are skipped
};

/// Reduces the optimizer's lr when `metric` stops improving. Call step(metric) once per epoch.
/// The scheduler keeps a reference: the optimizer must outlive it.
///   optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 3});
///   for (...) { train_one_epoch(); plateau.step(validation_loss); }
/// Throws soma::Error naming ReduceLROnPlateau and the option when one is out of range.
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});

  /// Records one epoch's metric and reduces the lr to max(lr * factor, min_lr) once more than
  /// `patience` epochs in a row (outside cooldown) were not significantly better than the best.
  /// A NaN metric counts as not better.
  void step(double metric);

  /// Epochs stepped so far.
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The best metric so far (+infinity in min mode, -infinity in max mode before the first).
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::int64_t cooldown_counter() const { return cooldown_counter_; }
  /// The optimizer's lr after the last step() (its lr at construction before any).
  double last_lr() const { return last_lr_; }

  /// "last_epoch", "num_bad_epochs", "cooldown_counter" (0-dim int64), "best" and "last_lr"
  /// (0-dim float64). The options are not saved: load into a scheduler made with the same ones.
  std::map<std::string, Tensor> state_dict() const;
  /// Throws soma::Error naming the missing, unexpected or malformed entry; on a throw nothing
  /// has changed.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  bool is_better(double metric) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  double last_lr_;
  std::int64_t last_epoch_ = 0;
  std::int64_t num_bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
};

}  // namespace soma::optim
