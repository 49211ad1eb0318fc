// Dense: PyTorch Linear's layout and default initialization.
#include "soma/nn/dense.h"

#include <cmath>

#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/init.h"
#include "soma/ops/linalg.h"

namespace soma::nn {

Dense::Dense(const DenseOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.in > 0 && options.out > 0, "Dense: in and out must be positive, got in = ", options.in,
             ", out = ", options.out);
  SOMA_CHECK(options.bias || !options.bias_regularizer,
             "Dense: a bias_regularizer is given but bias = false (there is no bias to penalize)");
  check_activation("Dense", options.activation);
  // kaiming_uniform(a = sqrt(5)) reduces to U(±1/sqrt(in)); the bias uses the same bound.
  const double bound = 1.0 / std::sqrt(double(options.in));
  weight_ = register_parameter("weight", uniform({options.out, options.in}, -bound, bound, gen, options.dtype),
                               options.kernel_regularizer);
  if (options.bias)
    bias_ = register_parameter("bias", uniform({options.out}, -bound, bound, gen, options.dtype),
                               options.bias_regularizer);
}

Shape Dense::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() >= 1 && input[input.dim() - 1] == options_.in, "Dense(", options_.in, " -> ", options_.out,
             ") expects ", options_.in, " input features but receives ",
             input.dim() >= 1 ? std::to_string(input[input.dim() - 1]) : std::string("a 0-dim input"), " (input ",
             input, ")");
  Shape out = input;
  out[out.dim() - 1] = options_.out;
  return out;
}

std::int64_t Dense::flops(const Shape& input) const { return input.numel() * options_.out; }

Tensor Dense::forward(const Tensor& x) {
  SOMA_CHECK(x.dim() >= 1 && x.size(-1) == options_.in, "Dense(", options_.in, " -> ", options_.out,
             "): expects ", options_.in, " input features but receives shape ", x.shape());
  return activate(options_.activation, linear(x, weight_, bias_));
}

}  // namespace soma::nn
