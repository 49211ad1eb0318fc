// LambdaCallback: each hook calls its function when one was given.
#include "soma/train/lambda_callback.h"

#include <utility>

#include "soma/core/error.h"

namespace soma::train {

LambdaCallback::LambdaCallback(LambdaCallbackOptions functions) : functions_(std::move(functions)) {
  const auto& f = functions_;
  SOMA_CHECK(f.on_train_begin || f.on_train_end || f.on_epoch_begin || f.on_epoch_end || f.on_batch_end,
             "LambdaCallback: expects at least one function (on_train_begin, on_train_end, on_epoch_begin, "
             "on_epoch_end or on_batch_end), got none");
}

void LambdaCallback::on_train_begin(Context& context) {
  if (functions_.on_train_begin) functions_.on_train_begin(context);
}

void LambdaCallback::on_train_end(Context& context) {
  if (functions_.on_train_end) functions_.on_train_end(context);
}

void LambdaCallback::on_epoch_begin(Context& context, std::int64_t epoch) {
  if (functions_.on_epoch_begin) functions_.on_epoch_begin(context, epoch);
}

void LambdaCallback::on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) {
  if (functions_.on_epoch_end) functions_.on_epoch_end(context, epoch, logs);
}

void LambdaCallback::on_batch_end(Context& context, std::int64_t batch, const Logs& logs) {
  if (functions_.on_batch_end) functions_.on_batch_end(context, batch, logs);
}

}  // namespace soma::train
