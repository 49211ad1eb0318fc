// Matrix products through BLAS (see kernels/gemm.h), differentiable.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// Matrix product with PyTorch's matmul rules for the common cases:
///   [M, K] x [K, N] -> [M, N];  [..., M, K] x [K, N] -> [..., M, N];
///   [B, M, K] x [B, K, N] -> [B, M, N] (batched);  [K] x [K, N] -> [N];  [M, K] x [K] -> [M];
///   [K] x [K] -> [] (dot). Throws soma::Error naming both shapes when K differs.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Dense layer's product: x [..., in] times weight [out, in] transposed, plus bias [out]
/// (bias may be undefined). One GEMM, one fused node.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace soma
