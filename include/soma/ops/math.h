// Elementwise math, differentiable: exp, log, pow, sqrt, abs, clamp.
#pragma once

#include <limits>

#include "soma/core/tensor.h"

namespace soma {

Tensor exp(const Tensor& x);
/// Natural log; log(0) = -inf as in PyTorch.
Tensor log(const Tensor& x);
/// x^p for a scalar exponent.
Tensor pow(const Tensor& x, double p);
Tensor sqrt(const Tensor& x);
/// |x|; the gradient at 0 is 0 (NOTE: as PyTorch's sign(0) = 0).
Tensor abs(const Tensor& x);
/// Limits x to [min, max]; the gradient is 1 inside (bounds included) and 0 outside.
Tensor clamp(const Tensor& x, double min = -std::numeric_limits<double>::infinity(),
             double max = std::numeric_limits<double>::infinity());

}  // namespace soma
