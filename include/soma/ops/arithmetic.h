// Elementwise arithmetic with NumPy broadcasting, differentiable. Both operands must share a
// dtype; a double operand takes the tensor's dtype. Shape errors name the op and both shapes.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
/// a / b (IEEE: division by zero gives inf or nan, as in PyTorch).
Tensor div(const Tensor& a, const Tensor& b);
/// Elementwise max/min; at ties the gradient is split in halves between a and b, and a NaN
/// on either side gives NaN, as in PyTorch.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& x);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

}  // namespace soma
