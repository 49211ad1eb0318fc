// GEMM: C = alpha * op(A) op(B) + beta * C, row-major. float32 goes to oneDNN's sgemm
// (it detects AVX-512 itself, where OpenBLAS here is pinned to AVX2 by OPENBLAS_CORETYPE),
// on one thread below ~1M multiply-adds, except a large A B^T (linear's forward), which runs
// faster as a cached oneDNN matmul primitive (gemm_primitive.h); float64 to OpenBLAS's dgemm;
// tiny products (XOR-sized) run a plain loop, which beats any library's call overhead.
// Measurements: docs/performance.md.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// op(A) is [M, K], op(B) is [K, N], C is [M, N]; lda/ldb/ldc are row strides as stored.
template <class T>
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, T alpha,
          const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc);

}  // namespace soma::kernels
