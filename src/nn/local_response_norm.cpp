// LocalResponseNorm: options checked when the layer is built, errors prefixed with the layer.
#include "soma/nn/local_response_norm.h"

#include "soma/ops/local_response_norm.h"

namespace soma::nn {

LocalResponseNorm::LocalResponseNorm(const LocalResponseNormOptions& options) : options_(options) {
  SOMA_CHECK(options.size >= 1, "LocalResponseNorm: size must be at least 1 (set .size), got ", options.size);
  SOMA_CHECK(options.k > 0, "LocalResponseNorm: k must be > 0, got ", options.k);
}

Tensor LocalResponseNorm::forward(const Tensor& x) {
  try {
    return local_response_norm(x, options_.size, options_.alpha, options_.beta, options_.k);
  } catch (const Error& e) {
    throw Error(std::string("LocalResponseNorm: ") + e.what());
  }
}

Shape LocalResponseNorm::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() >= 3, "LocalResponseNorm expects [N, C, ...] of rank 3 or more but receives ", input);
  return input;
}

}  // namespace soma::nn
