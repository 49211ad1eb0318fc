// Callback: hooks the training loop (loop.h) calls around training (train, epoch and batch
// begin/end), the way Keras callbacks work, for every learner alike; EarlyStopping, ModelCheckpoint, CSVLogger, the schedules and the
// progress bar are callbacks. Also CallbackHandle, which lets a list of callbacks of different
// types be written inline: .callbacks = {train::EarlyStopping({.patience = 2}), ...}.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "soma/core/error.h"
#include "soma/core/tensor.h"
#include "soma/train/history.h"

namespace soma::train {

class Context;

/// The base of every callback. Every hook does nothing by default; override the ones needed.
/// The loop passes its Context (context.h), so a callback can reach the model, the optimizer,
/// the history and the last step's own values, ask training to stop (context.request_stop())
/// or write a checkpoint. Callbacks may change training; to only record it, write a Sink.
/// Epochs and batches are numbered from 0; a resumed fit continues the count.
class Callback {
 public:
  virtual ~Callback() = default;

  /// Short name used in checkpoints and errors ("EarlyStopping").
  virtual std::string name() const = 0;

  /// Before the first epoch of fit(); a callback resets its state here (a callback may be
  /// reused by several fits). On resume, the state saved in the checkpoint is loaded after it.
  virtual void on_train_begin(Context& context) {}
  /// After the last epoch (also after an early stop).
  virtual void on_train_end(Context& context) {}
  /// At the start of epoch `epoch`.
  virtual void on_epoch_begin(Context& context, std::int64_t epoch) {}
  /// After epoch `epoch` and its validation. `logs` holds "loss", "accuracy" (classification),
  /// "val_loss", "val_accuracy" (with validation data) and "lr"; a callback may add entries,
  /// which later callbacks and the History see.
  virtual void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) {}
  /// After each step; `batch` counts within the epoch and `logs` holds the epoch's running
  /// means so far ("loss", "accuracy"); context.step_logs() holds the step's own values.
  virtual void on_batch_end(Context& context, std::int64_t batch, const Logs& logs) {}

  /// State that a checkpoint must hold for an exact resume (e.g. EarlyStopping's best value
  /// and wait count), as named tensors; empty for a stateless callback.
  virtual std::map<std::string, Tensor> state_dict() const { return {}; }
  /// Restores what state_dict() returned. Throws soma::Error naming a missing entry.
  virtual void load_state_dict(const std::map<std::string, Tensor>& state) {}
};

/// A shared handle to a callback, made implicitly from a callback value (copied in) or from a
/// shared_ptr (when the caller wants to read the callback after fit, e.g. its stopped epoch):
///   auto stop = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{.patience = 2});
///   trainer.fit(train, {.callbacks = {stop, train::CSVLogger("log.csv")}});
class CallbackHandle {
 public:
  template <std::derived_from<Callback> C>
  CallbackHandle(C callback) : callback_(std::make_shared<C>(std::move(callback))) {}
  /// Throws soma::Error for a null pointer.
  template <std::derived_from<Callback> C>
  CallbackHandle(std::shared_ptr<C> callback) : callback_(std::move(callback)) {
    SOMA_CHECK(callback_, "CallbackHandle: null callback");
  }

  Callback& operator*() const { return *callback_; }
  Callback* operator->() const { return callback_.get(); }
  const std::shared_ptr<Callback>& get() const { return callback_; }

 private:
  std::shared_ptr<Callback> callback_;
};

/// What a callback watches: improvement is a decrease (min), an increase (max), or decided
/// from the name (automatic: max for names containing "acc", else min, as Keras).
enum class MonitorMode { automatic, min, max };

/// Resolves automatic for `monitor`: max when the name contains "acc", else min.
MonitorMode resolve_mode(MonitorMode mode, const std::string& monitor);

/// 0-dim float64 / int64 tensors and back, for callbacks' state_dict()s.
namespace detail {
Tensor state_value(double value);
Tensor state_count(std::int64_t value);
/// The entry `key` of `state` as a number. Throws soma::Error naming `owner` and `key` when absent.
double read_value(const std::map<std::string, Tensor>& state, const std::string& key, const std::string& owner);
}  // namespace detail

}  // namespace soma::train
