// Shape ops, differentiable: reshape, flatten, squeeze/unsqueeze, transpose/permute,
// slicing, row indexing, concatenation and stacking. reshape and leading-axis slices share
// storage with their input (views); the others copy, since tensors are always contiguous.
// All of them accept every dtype (int64 labels can be reshaped, sliced, selected and joined);
// gradients flow only through float32/float64 tensors.
#pragma once

#include <vector>

#include "soma/core/tensor.h"

namespace soma {

/// Same data, new shape: reshape(x, {N, -1}). One size may be -1: inferred from the others.
/// Shares storage with x (writes through either are seen by both); backward reshapes the gradient.
/// Throws soma::Error naming both shapes when the element counts differ, for more than one -1,
/// for other negative sizes, and when the -1 cannot be inferred.
Tensor reshape(const Tensor& x, std::initializer_list<std::int64_t> shape);
/// As above for an explicit Shape (no -1: a Shape holds only sizes >= 0).
Tensor reshape(const Tensor& x, const Shape& shape);
/// Merges axes start..end (inclusive, negative from the end) into one: [N, C, H, W] -> [N, C*H*W].
/// Shares storage. Throws when an axis is out of range or start comes after end.
Tensor flatten(const Tensor& x, int start = 1, int end = -1);
/// Removes `axis`, which must have size 1 (throws otherwise). Shares storage.
Tensor squeeze(const Tensor& x, int axis);
/// Inserts an axis of size 1 at `axis` of the result: [2, 3] -> axis 0: [1, 2, 3], axis -1: [2, 3, 1].
/// Shares storage. Throws when axis is outside [-(dim+1), dim].
Tensor unsqueeze(const Tensor& x, int axis);
/// Swaps two axes (negative from the end); copies.
Tensor transpose(const Tensor& x, int axis0 = 0, int axis1 = 1);
/// Reorders axes: out.shape[i] = x.shape[order[i]] (copies; entries may be negative, from the end).
/// Throws naming the order and the shape unless `order` is a permutation of x's axes.
Tensor permute(const Tensor& x, const std::vector<int>& order);
/// Elements start, start+step, ... < end along `axis` (PyTorch's x[..., start:end:step]).
/// Negative start/end count from the end; both are clipped to the axis, so an empty range
/// gives size 0. Shares storage when the result is one contiguous run of x: step 1 and axis 0
/// (or only size-1 axes before it); otherwise copies. Throws for step <= 0 or a bad axis.
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t end, std::int64_t step = 1);
/// Rows x[index[0]], x[index[1]], ... along axis 0: [N, ...] -> [K, ...]; index is int64 [K]
/// (repeats allowed; their gradients add). Copies. Throws naming the bad index when one is
/// outside [0, N) (no negative indices), and for an index that is not 1-D int64.
Tensor index_select(const Tensor& x, const Tensor& index);
/// Joins tensors along an existing axis: [2, 3] and [2, 4] on axis 1 -> [2, 7]. Copies.
/// Throws for an empty list, mixed dtypes, or sizes that differ on another axis (naming both shapes).
Tensor cat(const std::vector<Tensor>& xs, int axis = 0);
/// Joins tensors of one shape along a new axis (in [-(dim+1), dim]): K of [2, 3] on axis 1
/// -> [2, K, 3]. Copies. Throws for an empty list, mixed dtypes or differing shapes.
Tensor stack(const std::vector<Tensor>& xs, int axis = 0);

}  // namespace soma
