// Local response normalization (Krizhevsky, Sutskever & Hinton 2012, section 3.3), the
// across-channel normalization of AlexNet and GoogLeNet, differentiable, with PyTorch's
// semantics (F.local_response_norm). Not here: the within-channel variant of Caffe.
#pragma once

#include <cstdint>

#include "soma/core/tensor.h"

namespace soma {

/// PyTorch's F.local_response_norm(x, size, alpha, beta, k): x is [N, C, ...] (rank >= 3),
///   y[n, c, ...] = x[n, c, ...] / (k + alpha / size * sum of x[n, c', ...]^2)^beta
/// over the channels c' in [c - size / 2, c + (size - 1) / 2] that exist (zero padding: the
/// divisor is `size` even at the edges). AlexNet uses size 5, alpha 1e-4, beta 0.75, k 2.
/// Backward saves the input and the bracket. Throws soma::Error for a rank below 3, a size
/// below 1, a non-floating dtype or k <= 0 with beta not an integer (a NaN power).
Tensor local_response_norm(const Tensor& x, std::int64_t size, double alpha = 1e-4, double beta = 0.75,
                           double k = 1.0);

}  // namespace soma
