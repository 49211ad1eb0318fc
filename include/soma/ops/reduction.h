// Reductions over all elements or one axis, differentiable (argmax is not).
// With keepdim the reduced axis stays with size 1, as in PyTorch.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// Sum of all elements: a 0-dim tensor.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, int axis, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int axis, bool keepdim = false);
/// Largest element; as in PyTorch, the gradient is split evenly between tied maximal elements,
/// and a NaN counts as the largest (and smallest) element, so max, min and argmax propagate it.
Tensor max(const Tensor& x);
/// Largest element along `axis`; the gradient goes to the first maximal element of each lane
/// (the index argmax returns), as in PyTorch's max(dim).
Tensor max(const Tensor& x, int axis, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, int axis, bool keepdim = false);
/// Index (int64) of the first largest element along `axis`.
Tensor argmax(const Tensor& x, int axis, bool keepdim = false);
/// Index (int64, 0-dim) of the first largest element of the flattened tensor.
Tensor argmax(const Tensor& x);

}  // namespace soma
