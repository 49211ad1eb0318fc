// TimeDistributed: [N, T, ...] -> [N * T, ...] -> layer -> [N, T, ...'] (reshapes share storage).
#include "soma/nn/time_distributed.h"

#include "soma/ops/view.h"

namespace soma::nn {

TimeDistributed::TimeDistributed(std::shared_ptr<Module> layer) : layer_(std::move(layer)) {
  SOMA_CHECK(layer_, "TimeDistributed: the layer is null");
  register_module("layer", layer_);
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
