// gather: values picked along one axis by an index tensor (torch.gather). A DQN takes the
// Q-value of the action it took with it: gather(q [N, A], 1, actions [N, 1]) -> [N, 1].
// The gradient of the input is a scatter-add of the output's gradient (repeated picks add).
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// torch.gather(input, dim, index): out has index's shape and, for dim = 1 of a 2-D input,
/// out[i][j] = input[i][index[i][j]] (likewise for any number of axes). index is int64 with as
/// many axes as input and index.size(d) <= input.size(d) for every d != dim; each value is in
/// [0, input.size(dim)) (no negative values, as in PyTorch). dim may be negative (from the end).
/// Any dtype is gathered; the gradient flows to a float32/float64 input only.
/// Throws soma::Error naming gather for a 0-d input, a bad dim, an index that is not int64 or has another
/// number of axes or a larger size on another axis (naming both shapes), and for an index value
/// out of range (naming the value, its position and the axis size).
Tensor gather(const Tensor& input, int dim, const Tensor& index);

}  // namespace soma
