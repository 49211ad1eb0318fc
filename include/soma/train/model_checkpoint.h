// ModelCheckpoint: saves during fit at epoch ends — every n epochs, or only when a monitored
// value improves — either a full resumable training checkpoint or just the weights, always
// written atomically through io. It decides when to save; the Trainer and io decide what.
#pragma once

#include <string>

#include "soma/train/callback.h"

namespace soma::train {

struct ModelCheckpointOptions {
  /// Where to write (required). "{epoch}" is replaced by the 1-based epoch number, as Keras
  /// does: "run/ckpt-{epoch}.safetensors" keeps one file per save; without it the file is replaced.
  std::string path = {};
  std::string monitor = "val_loss";           ///< the value save_best_only compares
  MonitorMode mode = MonitorMode::automatic;  ///< min, max, or from the name ("acc" -> max)
  bool save_best_only = false;                ///< save only when `monitor` beats its best so far
  std::int64_t every_n_epochs = 1;            ///< consider saving every this many epochs (>= 1)
  /// false (default): a full checkpoint (Trainer::save_checkpoint) that fit can resume from;
  /// true: the model's parameters and buffers only (io::save), loadable with io::load.
  bool weights_only = false;
  int verbose = 0;  ///< 1: print a line to stdout for each save
};

/// Keras' ModelCheckpoint, at epoch granularity:
///   trainer.fit(train, {.validation = test, .callbacks = {train::ModelCheckpoint(
///       {.path = "run/best.safetensors", .save_best_only = true})}});
/// With save_best_only a missing monitor value skips the save (with a warning on stderr).
/// Throws soma::Error for an empty path or every_n_epochs < 1; saving throws what io throws.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(const ModelCheckpointOptions& options);
  std::string name() const override { return "ModelCheckpoint"; }

  void on_train_begin(Context& context) override;
  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The best monitored value so far (save_best_only).
  double best() const { return best_; }
  /// The path of the last save ("" before any).
  const std::string& last_path() const { return last_path_; }
  /// `path` with "{epoch}" replaced by epoch + 1.
  static std::string format_path(const std::string& path, std::int64_t epoch);

 private:
  ModelCheckpointOptions options_;
  MonitorMode mode_;
  double best_ = 0;
  std::string last_path_;
};

}  // namespace soma::train
