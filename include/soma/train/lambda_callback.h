// LambdaCallback: a callback made of functions (Keras' LambdaCallback), for the small things a
// program does around fit — print its own line per epoch, save a picture, evaluate on a held-out
// set — without writing a Callback class. It holds no state of its own, so it checkpoints
// nothing: what the functions capture is the program's to restore.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "soma/train/callback.h"

namespace soma::train {

/// The functions, each called where Callback's hook of the same name is; any may be empty.
struct LambdaCallbackOptions {
  std::function<void(Context&)> on_train_begin = {};
  std::function<void(Context&)> on_train_end = {};
  std::function<void(Context&, std::int64_t epoch)> on_epoch_begin = {};
  /// May add entries to `logs`, which later callbacks, the History and the sinks then see.
  std::function<void(Context&, std::int64_t epoch, Logs& logs)> on_epoch_end = {};
  std::function<void(Context&, std::int64_t batch, const Logs& logs)> on_batch_end = {};
};

///   trainer.fit(train, {.callbacks = {train::LambdaCallback({.on_epoch_end = [&](train::Context&,
///                                         std::int64_t epoch, train::Logs& logs) { ... }})}});
/// Throws soma::Error when every function is empty (a callback that does nothing is a mistake).
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions functions);
  std::string name() const override { return "LambdaCallback"; }

  void on_train_begin(Context& context) override;
  void on_train_end(Context& context) override;
  void on_epoch_begin(Context& context, std::int64_t epoch) override;
  void on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) override;
  void on_batch_end(Context& context, std::int64_t batch, const Logs& logs) override;

 private:
  LambdaCallbackOptions functions_;
};

}  // namespace soma::train
