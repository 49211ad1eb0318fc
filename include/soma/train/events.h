// The event stream: what every training loop reports (a classifier's fit, a GAN's, an RBM's,
// an RL agent's), and the sinks that write it down — the progress bar, the run folder's CSV
// files, curves and report, and (next) the dashboard's live feed. Sinks only observe: they
// never change training (that is what callbacks are for, see callback.h). A loop owns one
// EventStream and tells it each step, each epoch, each picture; the stream hands every event
// to each sink in the order they were added.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/train/history.h"

namespace soma::train {

/// One optimizer step (for a GAN: one batch of k D steps and a G step) as the loop saw it.
struct StepEvent {
  std::int64_t step = 0;               ///< steps taken so far, this one included (1 for the first)
  std::int64_t epoch = 0;              ///< the epoch it belongs to (0-based)
  std::int64_t batch = 0;              ///< its batch within the epoch (0-based)
  std::int64_t batches_per_epoch = 0;  ///< 0 when a loop has no epochs of known length
  const Logs& values;                  ///< this step's values ("loss", "accuracy", "d_loss", ...)
  const Logs& means;                   ///< the epoch's running means so far
};

/// An epoch's end: its logs (means over its steps, validation, "lr") as History records them.
struct EpochEvent {
  std::int64_t epoch = 0;   ///< 0-based
  std::int64_t epochs = 0;  ///< the fit's total
  std::int64_t step = 0;    ///< steps taken when it ended
  const Logs& logs;
};

/// Receives the events of a run. Every hook does nothing by default. A sink must not throw
/// for ordinary data; a failure to write (disk full) throws soma::Error naming the file.
class Sink {
 public:
  virtual ~Sink() = default;

  /// Before the first step. `epochs` is the total; `step` and `epoch` are where a resumed run
  /// continues from (0 and 0 for a fresh one): a sink that appends to files drops whatever it
  /// wrote after that point (a run killed after its last checkpoint wrote steps it will redo).
  virtual void on_begin(std::int64_t epochs, std::int64_t step, std::int64_t epoch) {}
  /// At the start of an epoch (`batches` per epoch, `first_batch` > 0 when resumed inside it).
  virtual void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, std::int64_t first_batch) {}
  virtual void on_step(const StepEvent& event) {}
  virtual void on_epoch_end(const EpochEvent& event) {}
  /// A batch of pictures [N, C, H, W] (or [N, H, W]) in `value_range`, to be shown as a grid:
  /// a GAN's samples, a VAE's reconstructions. `tag` names the series ("samples").
  virtual void on_images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low, double high) {}
  /// A line of text for the record (a sample of generated text, a note).
  virtual void on_text(const std::string& tag, std::int64_t step, const std::string& text) {}
  /// After the last step (also after an early stop or an interruption).
  virtual void on_end() {}
};

/// The sinks of one run, called in order.
class EventStream {
 public:
  void add(std::shared_ptr<Sink> sink);
  bool empty() const { return sinks_.empty(); }
  const std::vector<std::shared_ptr<Sink>>& sinks() const { return sinks_; }

  void begin(std::int64_t epochs, std::int64_t step, std::int64_t epoch);
  void epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, std::int64_t first_batch);
  void step(const StepEvent& event);
  void epoch_end(const EpochEvent& event);
  /// Pictures in [low, high] (default [0, 1]).
  void images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low = 0, double high = 1);
  void text(const std::string& tag, std::int64_t step, const std::string& text);
  void end();

 private:
  std::vector<std::shared_ptr<Sink>> sinks_;
};

}  // namespace soma::train
