// Batch normalization (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep Network
// Training by Reducing Internal Covariate Shift") as one fused node with a hand-written
// backward. x is [N, C, *]: statistics are per channel C over the batch and every trailing
// position, so [N, C] (BatchNorm1d), [N, C, L] and [N, C, H, W] (BatchNorm2d) share one kernel.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c, for x [N, C, *] (at least 2-D),
/// as F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps).
///   training: mean and the biased variance (divided by m = N * prod(*)) of the batch. When
///     running_mean/running_var are given they are updated in place, outside the graph:
///     running = (1 - momentum) * running + momentum * batch_stat, where running_var takes
///     the UNBIASED variance (times m / (m - 1)), as PyTorch does. Requires m > 1.
///   !training: mean and var are running_mean and running_var, which are then required.
/// weight (gamma) and bias (beta) are [C] or undefined (gamma = 1, beta = 0); running_mean
/// and running_var are [C] or both undefined. All of x's dtype (float32 or float64).
/// Differentiable in x, weight and bias (not twice). Per-channel sums run in double, in an
/// order that does not depend on the thread count.
/// Throws soma::Error naming the shapes for x of rank < 2, a [C] tensor of another size or
/// dtype, only one running statistic given, eval mode without running statistics, eps < 0;
/// and, in training, "Expected more than 1 value per channel when training" when m <= 1.
/// The arguments come in F.batch_norm's order, running statistics before weight and bias, so
/// code ported from PyTorch keeps its meaning.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);

}  // namespace soma
