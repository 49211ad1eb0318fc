// History: what fit() returns, the per-epoch record of every logged value ("loss",
// "accuracy", "val_loss", "val_accuracy", "lr", ...), like Keras' History.history.
// A plain record: it computes nothing and does not know the Trainer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace soma::train {

/// One epoch's (or the running epoch's) values by name: {"loss": 0.41, "accuracy": 0.85}.
using Logs = std::map<std::string, double>;

/// Per-epoch values by name; every series has one value per recorded epoch (NaN where an
/// epoch did not log that name).
///   auto history = trainer.fit(train, {.epochs = 5, .validation = test});
///   double last = history["val_accuracy"].back();
class History {
 public:
  /// Records the logs of epoch `epoch` (0-based, as Keras). A name seen for the first time
  /// gets NaN for the earlier epochs; a name missing from `logs` gets NaN for this one.
  void append(std::int64_t epoch, const Logs& logs);

  /// The series of `name`. Throws soma::Error listing the recorded names when absent.
  const std::vector<double>& operator[](const std::string& name) const;
  bool contains(const std::string& name) const { return values_.count(name) > 0; }
  /// Number of recorded epochs.
  std::int64_t size() const { return std::int64_t(epochs_.size()); }
  bool empty() const { return epochs_.empty(); }
  /// The epoch numbers in recording order (0-based; a resumed fit continues the count).
  const std::vector<std::int64_t>& epochs() const { return epochs_; }
  /// The logs of the i-th recorded epoch (NaN entries left out). Throws for i out of range.
  Logs row(std::int64_t i) const;
  /// Every series by name.
  const std::map<std::string, std::vector<double>>& values() const { return values_; }

 private:
  std::vector<std::int64_t> epochs_;
  std::map<std::string, std::vector<double>> values_;
};

}  // namespace soma::train
