// TimeDistributed: [N, T, ...] -> [N * T, ...] -> layer -> [N, T, ...'] (reshapes share storage).
#include "soma/nn/time_distributed.h"

#include "soma/ops/view.h"

namespace soma::nn {

TimeDistributed::TimeDistributed(std::shared_ptr<Module> layer) : layer_(std::move(layer)) {
  SOMA_CHECK(layer_, "TimeDistributed: the layer is null");
  register_module("layer", layer_);
}

Shape TimeDistributed::folded(const Shape& input) const {
  SOMA_CHECK(input.dim() >= 3, "TimeDistributed(", layer_->type_name(),
             ") expects an input [N, T, ...] of at least 3 dimensions but receives ", input);
  Shape out{input[0] * input[1]};
  for (int i = 2; i < input.dim(); ++i) out.push_back(input[i]);
  return out;
}

Shape TimeDistributed::output_shape(const Shape& input) const {
  const Shape steps = folded(input);
  Shape y;
  try {
    y = layer_->output_shape(steps);
  } catch (const Error& e) {
    detail::throw_error("TimeDistributed(", layer_->type_name(), "): the steps of ", input, " folded into ", steps, ": ",
                        e.what());
  }
  SOMA_CHECK(y.dim() >= 1 && y[0] == steps[0], "TimeDistributed(", layer_->type_name(),
             "): the layer changes the batch size from ", steps[0], " to ", y.dim() ? y[0] : 0, " (output ", y, ")");
  Shape out{input[0], input[1]};
  for (int i = 1; i < y.dim(); ++i) out.push_back(y[i]);
  return out;
}

std::string TimeDistributed::shape_arithmetic(const Shape& input) const {
  output_shape(input);
  const std::string inner = layer_->shape_arithmetic(folded(input));
  return inner.empty() ? inner : "each of " + std::to_string(input[1]) + " steps: " + inner;
}

std::int64_t TimeDistributed::flops(const Shape& input) const {
  output_shape(input);
  return layer_->flops(folded(input));
}

Tensor TimeDistributed::forward(const Tensor& x) {
  SOMA_CHECK(x.defined() && x.dim() >= 3, "TimeDistributed(", layer_->type_name(),
             "): expects an input [N, T, ...] of at least 3 dimensions, got ", x.defined() ? x.shape() : Shape{});
  const std::int64_t N = x.size(0), T = x.size(1);
  const Tensor y = (*layer_)(flatten(x, 0, 1));
  SOMA_CHECK(y.dim() >= 1 && y.size(0) == N * T, "TimeDistributed(", layer_->type_name(),
             "): the layer changed the batch size from ", N * T, " to ", y.dim() ? y.size(0) : 0);
  Shape shape{N, T};
  for (int i = 1; i < y.dim(); ++i) shape.push_back(y.size(i));
  return reshape(y, shape);
}

}  // namespace soma::nn
