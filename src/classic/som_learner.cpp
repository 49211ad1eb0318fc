// SomLearner: the map's progress is steps taken / total_steps, checkpointed as "step" so that a
// resumed run decays σ and the learning rate from where it stopped.
#include "soma/classic/som_learner.h"

#include <algorithm>

#include "soma/core/factory.h"
#include "soma/ops/view.h"

namespace soma::classic {

SomLearner::SomLearner(Som& som, SomLearnerOptions options) : som_(som), options_(std::move(options)) {
  SOMA_CHECK(options_.total_steps >= 1, "SomLearner: total_steps must be >= 1, got ", options_.total_steps);
  SOMA_CHECK(options_.image_shape.dim() == 0 || options_.image_shape.numel() == som.options().features,
             "SomLearner: image_shape ", options_.image_shape, " must hold the ", som.options().features,
             " features of a prototype, it holds ", options_.image_shape.numel());
}

void SomLearner::set_total_steps(std::int64_t steps) {
  SOMA_CHECK(steps >= 1, "SomLearner: total_steps must be >= 1, got ", steps);
  options_.total_steps = steps;
}

Tensor SomLearner::rows(const Tensor& x) const {
  const std::int64_t f = som_.options().features;
  SOMA_CHECK(x.defined() && x.dim() >= 1 && x.size(0) > 0 && x.numel() == x.size(0) * f,
             "SomLearner: expects batches of ", f, " values per example (the prototype length), got ",
             x.defined() ? x.shape() : Shape{});
  return reshape(x, {x.size(0), f}).to(DType::f64);
}

train::StepResult SomLearner::train_step(const data::Batch& batch) {
  const Tensor v = rows(batch.x);
  const double total = double(options_.total_steps);
  const double begin = double(step_) / total, end = double(step_ + 1) / total;
  if (options_.batch) som_.train_batch(v, begin);
  else som_.train_online(v, begin, end);
  ++step_;
  train::StepResult out;
  out.examples = v.size(0);
  out.values = {{"quantization_error", som_.quantization_error(v)}};
  return out;
}

train::StepResult SomLearner::evaluate_step(const data::Batch& batch) {
  const Tensor v = rows(batch.x);
  train::StepResult out;
  out.examples = v.size(0);
  out.values = {{"quantization_error", som_.quantization_error(v)}};
  if (som_.units() >= 2) out.values["topographic_error"] = som_.topographic_error(v);
  return out;
}

std::map<std::string, Tensor> SomLearner::state_dict() const {
  Tensor step = empty({1}, DType::i64);
  step.data<std::int64_t>()[0] = step_;
  return {{"step", step}};
}

void SomLearner::load_state_dict(const std::map<std::string, Tensor>& state) {
  for (const auto& [key, t] : state) {
    SOMA_CHECK(key == "step", "SomLearner state: unknown entry '", key, "'; expected step");
    SOMA_CHECK(t.defined() && t.dtype() == DType::i64 && t.numel() == 1 && t.data<std::int64_t>()[0] >= 0,
               "SomLearner state: 'step' must be one int64 >= 0");
    step_ = t.data<std::int64_t>()[0];
  }
}

void SomLearner::report_epoch(train::EventStream& events, std::int64_t epoch) {
  const Tensor u = som_.u_matrix();
  double high = 0;
  for (std::int64_t i = 0; i < u.numel(); ++i) high = std::max(high, u.data<double>()[i]);
  events.images("u_matrix", epoch, reshape(u.to(DType::f32), {1, 1, som_.options().rows, som_.options().cols}), 0,
                high > 0 ? high : 1);
  if (options_.image_shape.dim() != 3) return;
  // The prototypes tiled as the map is laid out (rows x cols, 1-pixel gaps at the codebook's
  // minimum), so the picture is the grid itself: one image [1, C, rows (H+1) - 1, cols (W+1) - 1].
  const std::int64_t C = options_.image_shape[0], H = options_.image_shape[1], W = options_.image_shape[2];
  const std::int64_t rows = som_.options().rows, cols = som_.options().cols;
  const Tensor& m = som_.codebook();
  double low = m.data<double>()[0], top = low;
  for (std::int64_t i = 0; i < m.numel(); ++i) low = std::min(low, m.data<double>()[i]), top = std::max(top, m.data<double>()[i]);
  const std::int64_t TH = rows * (H + 1) - 1, TW = cols * (W + 1) - 1;
  Tensor tiles = full({1, C, TH, TW}, low, DType::f32);
  for (std::int64_t k = 0; k < som_.units(); ++k)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x)
          tiles.data<float>()[(c * TH + (k / cols) * (H + 1) + y) * TW + (k % cols) * (W + 1) + x] =
              float(m.data<double>()[k * C * H * W + (c * H + y) * W + x]);
  events.images("codebook", epoch, tiles, low, top > low ? top : low + 1);
}

}  // namespace soma::classic
