// float32 C = A B^T + beta C (linear's forward, x W^T) through a oneDNN matmul primitive
// instead of dnnl_sgemm: on this machine's AVX-512 the primitive ran such products 5-20% faster
// from 16 rows up (64x784x512: 490 against 587 µs; docs/performance.md), while at 1-4 rows it
// was 2-3x slower and for the other transposes no faster. gemm.cpp chooses; this file builds.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// A [M, K] (row stride lda), B [N, K] (ldb), C [M, N] (ldc), all row-major. The primitive for
/// a shape is built on its first call on each thread and kept (building costs ~100x a run).
/// Returns false, having done nothing, where oneDNN cannot build one.
bool matmul_primitive_abt(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                          const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);

}  // namespace soma::kernels
