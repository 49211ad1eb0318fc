// Context: what a callback sees of the loop that runs it, whichever learner that loop drives
// (a classifier, a GAN, an RBM, an RL agent). Callbacks may change training through it
// (stop, write a checkpoint, change a learning rate); sinks (events.h) only observe.
#pragma once

#include <cstdint>
#include <string>

#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/history.h"

namespace soma::train {

class EventStream;

class Context {
 public:
  virtual ~Context() = default;

  /// Everything the loop trains (the learner's module tree).
  virtual nn::Module& model() = 0;
  /// The learner's first (for a classifier: only) optimizer. Throws soma::Error when it has none.
  virtual optim::Optimizer& optimizer() = 0;
  /// Steps taken so far in this run, resumed ones included.
  virtual std::int64_t step() const = 0;
  /// The run's total epochs and batches per epoch (0 outside a fit).
  virtual std::int64_t epochs() const = 0;
  virtual std::int64_t batches_per_epoch() const = 0;
  /// The epochs finished so far.
  virtual const History& history() const = 0;
  /// The last step's own values ("loss" of that batch alone, not the running mean).
  virtual const Logs& step_logs() const = 0;
  /// The stream the loop reports to, for a callback that has something to add.
  virtual EventStream& events() = 0;

  /// Stops after the current epoch (Keras' model.stop_training = True).
  virtual void request_stop() = 0;
  virtual bool stop_requested() const = 0;
  /// Stops after the current step, mid-epoch: fit returns early and reports interrupted().
  /// Write a checkpoint first to continue later (Ctrl-C in `soma train`).
  virtual void interrupt() = 0;
  /// Writes the loop's resumable state to `path` atomically. Called from on_epoch_end the
  /// file is written once every callback's on_epoch_end has run, so it holds their state.
  virtual void save_checkpoint(const std::string& path) = 0;
};

}  // namespace soma::train
