// CSVLogger: writes the per-epoch logs to a CSV file as training goes (Keras' CSVLogger):
// epoch,loss,accuracy,val_loss,val_accuracy,lr. It reads the logs; it computes nothing.
#pragma once

#include <string>

#include "soma/train/callback.h"

namespace soma::train {

/// After each epoch, rewrites `path` with a header and one row per epoch finished so far in
/// this fit (the Trainer's history plus the new epoch), so a resumed fit's file holds the
/// epochs from before the checkpoint too. Columns: "epoch" (0-based, as Keras), then loss,
/// accuracy, val_loss, val_accuracy and lr when logged, then any other logged names in
/// alphabetical order. Values are written in the shortest form that reads back exactly;
/// "NA" marks a value an epoch did not log. The new file replaces the old by a rename, so a
/// reader never sees half a file.
///   trainer.fit(train, {.callbacks = {train::CSVLogger("run/metrics.csv")}});
/// Throws soma::Error naming the path when the file cannot be written.
class CSVLogger : public Callback {
 public:
  /// Throws soma::Error for an empty path.
  explicit CSVLogger(std::string path);
  std::string name() const override { return "CSVLogger"; }

  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace soma::train
