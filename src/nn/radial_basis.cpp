// RadialBasis: Gaussian bumps from soma ops, so autograd differentiates centres and widths.
// ‖x - c‖² = ‖x‖² - 2 x·c + ‖c‖² turns the N x K distances into one GEMM (linear(x, c) = x cᵀ).
#include "soma/nn/radial_basis.h"

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/linalg.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"

namespace soma::nn {

RadialBasis::RadialBasis(const RadialBasisOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.in > 0 && options.centres > 0, "RadialBasis: in and centres must be positive, got in = ",
             options.in, ", centres = ", options.centres);
  SOMA_CHECK(options.width > 0, "RadialBasis: width must be positive, got ", options.width);
  centres_ = register_parameter("centres", uniform({options.centres, options.in}, -1, 1, gen, options.dtype));
  widths_ = register_parameter("widths", full({options.centres}, options.width, options.dtype));
}

Shape RadialBasis::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() == 2 && input[1] == options_.in, "RadialBasis(", options_.in, " -> ", options_.centres,
             ") expects x [N, ", options_.in, "] but receives ", input);
  return {input[0], options_.centres};
}

std::int64_t RadialBasis::flops(const Shape& input) const {
  return output_shape(input)[0] * options_.in * options_.centres;
}

Tensor radial_basis(const Tensor& x, const Tensor& centres, const Tensor& widths) {
  SOMA_CHECK(x.defined() && centres.defined() && widths.defined() && x.dim() == 2 && centres.dim() == 2 &&
                 widths.dim() == 1 && x.size(1) == centres.size(1) && widths.size(0) == centres.size(0),
             "radial_basis: expects x [N, F], centres [K, F] and widths [K], got ", x.defined() ? x.shape() : Shape{},
             ", ", centres.defined() ? centres.shape() : Shape{}, " and ", widths.defined() ? widths.shape() : Shape{});
  SOMA_CHECK(x.dtype() == centres.dtype() && x.dtype() == widths.dtype(), "radial_basis: x is ", name_of(x.dtype()),
             " but the centres are ", name_of(centres.dtype()), " and the widths ", name_of(widths.dtype()));
  const Tensor squared = sum(x * x, 1, true) - linear(x, centres) * 2.0 + sum(centres * centres, 1);
  return exp(clamp(squared, 0.0) / (widths * widths * -2.0));
}

Tensor RadialBasis::forward(const Tensor& x) {
  output_shape(x.defined() ? x.shape() : Shape{});
  SOMA_CHECK(x.dtype() == options_.dtype, "RadialBasis(", options_.in, " -> ", options_.centres, ") expects ",
             name_of(options_.dtype), " x, got ", name_of(x.dtype()));
  return radial_basis(x, centres_, widths_);
}

}  // namespace soma::nn
