// RbmLearner: batches in, Rbm::step out, with the Gibbs generator and the chain kept for exact
// resumes; and fit_rbm, the same learner under train::Loop for programs that hold a tensor.
#include "soma/generative/rbm_learner.h"

#include <algorithm>

#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/train/events.h"
#include "soma/train/lambda_callback.h"
#include "soma/train/loop.h"

namespace soma::generative {

RbmLearner::RbmLearner(Rbm& rbm, RbmLearnerOptions options) : rbm_(rbm), options_(std::move(options)), gen_(options_.seed) {
  SOMA_CHECK(options_.filters >= 0, "RbmLearner: filters must be >= 0, got ", options_.filters);
  SOMA_CHECK(options_.image_shape.dim() == 0 || options_.image_shape.numel() == rbm.options().visible,
             "RbmLearner: image_shape ", options_.image_shape, " must hold the ", rbm.options().visible,
             " visible units, it holds ", options_.image_shape.numel());
}

Tensor RbmLearner::rows(const Tensor& x) const {
  const std::int64_t visible = rbm_.options().visible;
  SOMA_CHECK(x.defined() && x.dim() >= 1 && x.size(0) > 0 && x.numel() == x.size(0) * visible,
             "RbmLearner: expects batches of ", visible, " values per example (the visible units), got ",
             x.defined() ? x.shape() : Shape{});
  Tensor v = reshape(x, {x.size(0), visible});
  return v.dtype() == rbm_.options().dtype ? v : v.to(rbm_.options().dtype);
}

train::StepResult RbmLearner::train_step(const data::Batch& batch) {
  const Tensor v = rows(batch.x);
  train::StepResult out;
  out.examples = v.size(0);
  out.values = {{"reconstruction_error", rbm_.step(v, gen_).reconstruction_error}};
  return out;
}

train::StepResult RbmLearner::evaluate_step(const data::Batch& batch) {
  const Tensor v = rows(batch.x);
  train::StepResult out;
  out.examples = v.size(0);
  out.values = {{"reconstruction_error", rbm_.reconstruction_error(v)}};
  return out;
}

void RbmLearner::report_epoch(train::EventStream& events, std::int64_t epoch) {
  if (options_.image_shape.dim() == 0 || options_.filters == 0) return;
  // Columns of W [visible, hidden] as images, in one range: W's own minimum and maximum.
  NoGradGuard no_grad;
  const std::int64_t count = std::min(options_.filters, rbm_.options().hidden);
  const Tensor w = slice(transpose(rbm_.weight()), 0, 0, count).copy();
  Shape shape{count};
  for (std::int64_t d : options_.image_shape) shape.push_back(d);
  const double low = min(w).item(), high = max(w).item();
  events.images("filters", epoch, reshape(w, shape), low, high > low ? high : low + 1);
}

std::vector<double> fit_rbm(Rbm& rbm, const Tensor& data, const RbmFitOptions& options, Generator& gen,
                            const std::function<void(int, double)>& on_epoch) {
  SOMA_CHECK(options.epochs >= 0, "fit_rbm: epochs must be >= 0, got ", options.epochs);
  SOMA_CHECK(options.batch_size > 0, "fit_rbm: batch_size must be positive, got ", options.batch_size);
  SOMA_CHECK(data.defined() && data.dim() == 2 && data.size(0) > 0 && data.size(1) == rbm.options().visible,
             "fit_rbm: expects data [N, ", rbm.options().visible, "] with N > 0 but receives shape ",
             data.defined() ? data.shape() : Shape{});
  const std::uint64_t order_seed = gen.next_u64();
  RbmLearner learner(rbm, {.image_shape = options.image_shape});
  learner.generator() = gen;
  train::Loop loop(learner);
  std::vector<train::CallbackHandle> callbacks = options.callbacks;
  if (on_epoch) {
    callbacks.emplace_back(train::LambdaCallback({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
      on_epoch(int(epoch) + 1, logs.at("reconstruction_error"));
    }}));
  }
  const train::History history = loop.fit(std::make_shared<data::TensorDataset>(data),
                                           {.epochs = options.epochs, .batch_size = options.batch_size,
                                            .shuffle = options.shuffle, .callbacks = std::move(callbacks),
                                            .sinks = options.sinks, .seed = order_seed, .verbose = 0});
  gen = learner.generator();
  return history.empty() ? std::vector<double>{} : history["reconstruction_error"];
}
}  // namespace soma::generative
