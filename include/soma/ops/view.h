// Shape ops, differentiable: reshape, flatten, squeeze/unsqueeze, transpose/permute,
// slicing, row indexing, concatenation and stacking. reshape and leading-axis slices share
// storage with their input (views); the others copy, since tensors are always contiguous.
#pragma once

#include <vector>

#include "soma/core/tensor.h"

namespace soma {

/// Same data, new shape (one size may be -1: inferred). Shares storage.
/// Throws soma::Error naming both shapes when the element counts differ.
Tensor reshape(const Tensor& x, std::initializer_list<std::int64_t> shape);
Tensor reshape(const Tensor& x, const Shape& shape);
/// Merges axes start..end (inclusive, negative from the end) into one: [N, C, H, W] -> [N, C*H*W].
Tensor flatten(const Tensor& x, int start = 1, int end = -1);
/// Removes `axis` of size 1 / inserts one at `axis` (negative axis counts from the end of the result).
Tensor squeeze(const Tensor& x, int axis);
Tensor unsqueeze(const Tensor& x, int axis);
/// Swaps two axes (copies).
Tensor transpose(const Tensor& x, int axis0 = 0, int axis1 = 1);
/// Reorders axes: out.shape[i] = x.shape[order[i]] (copies). Throws unless `order` is a permutation.
Tensor permute(const Tensor& x, const std::vector<int>& order);
/// Elements start, start+step, ... < end along `axis` (PyTorch's x[..., start:end:step]).
/// Negative start/end count from the end; both are clipped to the axis. Shares storage when
/// axis is 0 and step is 1.
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t end, std::int64_t step = 1);
/// Rows x[index[0]], x[index[1]], ... along axis 0; index is int64 [K] (repeats allowed;
/// their gradients add). Throws naming the bad index when one is out of range.
Tensor index_select(const Tensor& x, const Tensor& index);
/// Joins tensors along an existing axis; all other sizes must match.
Tensor cat(const std::vector<Tensor>& xs, int axis = 0);
/// Joins tensors of one shape along a new axis.
Tensor stack(const std::vector<Tensor>& xs, int axis = 0);

}  // namespace soma
