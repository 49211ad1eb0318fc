// Dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from
// Overfitting"), in the inverted form PyTorch and Keras use: kept values are scaled by
// 1/(1 - p) during training, so evaluation is the identity and needs no rescaling.
// The mask is drawn from an explicit Generator, never from hidden global state.
#pragma once

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma {

/// Inverted dropout, as F.dropout(x, p, training):
///   training and 0 < p < 1: each element is kept with probability 1 - p and scaled by
///     1/(1 - p), else set to 0; the mask takes one gen.uniform() draw per element in
///     row-major order (same seed -> same mask, at any thread count);
///   training and p == 1: zeros (and a zero gradient), as in PyTorch;
///   !training or p == 0: x itself (no draw, no copy).
/// The gradient is gy times the same scaled mask. Requires a float32/float64 x.
/// Throws soma::Error unless 0 <= p <= 1 (NaN included).
///   Generator gen(42);  Tensor h = dropout(x, 0.3, /*training=*/true, gen);
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

/// Dropout with a mask chosen by the caller: y = x * mask * scale, gradient gy * mask * scale.
/// For gradient checks and for reproducing a known mask (dropout() with keep probability
/// 1 - p is dropout_with_mask(x, bernoulli(1 - p), 1 / (1 - p))). `mask` must have x's shape
/// and dtype (usually 0/1 values, but any values are multiplied as given); it never receives
/// a gradient. Throws soma::Error naming both shapes or dtypes when they differ.
Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double scale);

}  // namespace soma
