// Activation functions, differentiable (threshold is forward only).
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// 1 / (1 + e^-x).
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// max(x, 0). NOTE: the gradient at exactly 0 is 0, as in PyTorch.
Tensor relu(const Tensor& x);
/// x for x > 0, negative_slope * x otherwise (PyTorch's default slope 0.01).
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// The perceptron's step function: 1 where x >= at, else 0. Forward only: it has no useful
/// gradient, and backpropagating through it throws soma::Error.
Tensor threshold(const Tensor& x, double at = 0);
/// exp(x) / sum(exp(x)) along `axis` (stable: the max is subtracted first).
Tensor softmax(const Tensor& x, int axis = -1);
/// log(softmax(x)) along `axis`, computed stably as x - max - log(sum(exp(x - max))).
Tensor log_softmax(const Tensor& x, int axis = -1);

}  // namespace soma
