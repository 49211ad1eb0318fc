// ProgressBar: Keras' progress display as a sink of the event stream (events.h). On a terminal one line per epoch,
// redrawn as batches finish (k/n, a bar, elapsed time, ETA, running loss and metrics); when
// the output is not a terminal (a log file, CI) a single line per epoch, so logs stay short.
// The loop adds one itself when FitOptions::verbose > 0; it computes nothing.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

#include "soma/train/events.h"

namespace soma::train {

struct ProgressBarOptions {
  /// 1 (default): redrawn bar on a terminal, one line per epoch otherwise; 2: one line per
  /// epoch always; 0: nothing.
  int verbose = 1;
  /// Where to print (default nullptr: std::cout).
  std::ostream* out = nullptr;
  /// Whether `out` is a terminal (default: isatty(stdout) when printing to std::cout, else false).
  std::optional<bool> interactive = std::nullopt;
  /// Least time between two redraws of the bar, in seconds (default 0.1); the last batch is
  /// always drawn.
  double redraw_interval = 0.1;
};

/// Prints, per epoch,
///   Epoch 2/5
///   412/938 [============>.................] - ETA: 3s - loss: 0.4213 - accuracy: 0.8498
/// redrawn in place on a terminal, and when the epoch ends
///   938/938 [==============================] - 7s 7ms/step - loss: 0.4102 - accuracy: 0.8531 - val_loss: ...
/// Not a terminal: "Epoch 2/5 - 938/938 - 7s 7ms/step - loss: 0.4102 - ..." once per epoch.
/// Values print with 4 decimals ("%.4e" below 1e-3, as Keras); "lr" is not shown. The time
/// per step counts the training batches only; the epoch's time includes its validation.
class ProgressBar : public Sink {
 public:
  explicit ProgressBar(const ProgressBarOptions& options = {});

  void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, std::int64_t first_batch) override;
  void on_step(const StepEvent& event) override;
  void on_epoch_end(const EpochEvent& event) override;

  /// "loss: 0.4102 - accuracy: 0.8531": loss, accuracy, val_loss, val_accuracy first, then
  /// the others by name, "lr" left out.
  static std::string format_logs(const Logs& logs);
  /// Keras' durations: "7s", "1:05", "1:02:03".
  static std::string format_eta(double seconds);

 private:
  std::ostream& out() const;
  void draw(std::int64_t done, std::int64_t total, const Logs& logs, bool final);

  ProgressBarOptions options_;
  bool interactive_;
  std::int64_t epochs_ = 0;
  std::int64_t batches_ = 0;
  std::int64_t epoch_ = 0;
  std::int64_t first_batch_ = 0;  // batches already done when the epoch (or a resume) began
  std::int64_t last_batch_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::chrono::steady_clock::time_point last_batch_time_;
};

}  // namespace soma::train
