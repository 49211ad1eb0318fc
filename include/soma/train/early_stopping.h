// EarlyStopping: stops fit() when a monitored value ("val_loss" by default) has stopped
// improving, with Keras' semantics (min_delta, patience, mode, baseline, and optionally
// putting back the weights of the best epoch). It watches; it changes no hyperparameter.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "soma/train/callback.h"

namespace soma::train {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";        ///< the logged value to watch
  double min_delta = 0;                    ///< a change smaller than this is no improvement (its sign is ignored)
  std::int64_t patience = 0;               ///< epochs without improvement before stopping (>= 0)
  MonitorMode mode = MonitorMode::automatic;  ///< min, max, or from the name ("acc" -> max)
  /// Training stops unless the value beats this within `patience` epochs (default: none).
  std::optional<double> baseline = std::nullopt;
  /// When training ends, put back the model's parameters and buffers of the best epoch
  /// (default false: keep the last).
  bool restore_best_weights = false;
  int verbose = 0;  ///< 1: print "Epoch N: early stopping" and the restore to stdout
};

/// Keras' EarlyStopping. Each epoch end: an improvement is a value better than the best by
/// more than min_delta (lower for min, higher for max); it resets the wait (unless a baseline
/// is set and not beaten). Otherwise the wait grows, and once it reaches `patience` (from the
/// second epoch on) training stops after this epoch. With patience 2 and val_loss 1.0, 0.9,
/// 0.95, 0.96 it stops after epoch 3 (0-based), the best being epoch 1. A missing monitor
/// value is skipped (with a warning on stderr, once).
///   trainer.fit(train, {.validation = test, .callbacks = {train::EarlyStopping({.patience = 2})}});
/// Throws soma::Error for patience < 0.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& options = {});
  std::string name() const override { return "EarlyStopping"; }

  void on_train_begin(Context& context) override;
  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  void on_train_end(Context& context) override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The epoch after which training was stopped (-1: it was not).
  std::int64_t stopped_epoch() const { return stopped_epoch_; }
  /// The epoch with the best value so far (-1 before any).
  std::int64_t best_epoch() const { return best_epoch_; }
  /// The best value so far (+-infinity before any).
  double best() const { return best_; }
  /// Epochs since the last improvement.
  std::int64_t wait() const { return wait_; }

 private:
  bool improves(double value, double reference) const;

  EarlyStoppingOptions options_;
  MonitorMode mode_;
  double best_ = 0;
  std::int64_t best_epoch_ = -1;
  std::int64_t wait_ = 0;
  std::int64_t stopped_epoch_ = -1;
  bool warned_ = false;
  std::vector<std::pair<std::string, Tensor>> best_weights_;  // copies; empty until the first epoch
};

}  // namespace soma::train
