// GEMM dispatch (see gemm.h for the choice of library).
#include "kernels/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <oneapi/dnnl/dnnl.h>

#include "kernels/gemm_primitive.h"
#include "kernels/parallel.h"
#include "soma/core/error.h"
#include "soma/core/threads.h"

namespace soma::kernels {
namespace {

// Below this many multiply-adds a library call costs more than the arithmetic. Measured
// (docs/performance.md): dnnl_sgemm costs 130-230 ns even for 4x5x2, while the plain loop
// (scalar at -O2) runs ~0.7 ns per multiply-add, so the two meet near 256; at the old
// threshold of 4096 a 16x16x16 product took 3-4 us in the loop against 0.3-0.5 us in oneDNN.
constexpr std::int64_t kTinyGemm = 256;

// Below this many multiply-adds oneDNN runs on the calling thread only. A parallel region
// costs microseconds, and on a machine whose cores are shared it waits until every thread
// of the team gets a core: on this VM with other jobs running, B9's batch-1 products
// (at most 1x784x256 = 0.2M multiply-adds, ~10 us on one core) took 4-10x longer on two
// threads than on one, while 512^3 (134M) still ran 2x faster on two (docs/performance.md).
constexpr std::int64_t kParallelGemm = std::int64_t(1) << 20;

// A B^T (linear's forward) of at least this many rows and multiply-adds goes through a oneDNN
// matmul primitive (gemm_primitive.h): 5-20% faster there, 2-3x slower at 1-4 rows; and its
// ~1 us more per call (operand descriptors, cache lookup) cost B6's 32x128x128 products 5%.
constexpr std::int64_t kPrimitiveRows = 16;
constexpr std::int64_t kPrimitiveWork = std::int64_t(1) << 20;

// The transposes are template parameters (as runtime flags they left a select in the
// innermost loop), and the loop order keeps the innermost loop on contiguous memory where
// the layout allows: a dot product along k when B is transposed (linear's forward), a row
// update along j otherwise. The XOR step's five products are all of this size.
// alpha = 1 and beta in {0, 1}, what autograd's products use, are compiled apart: they skip
// the exact multiplications by 1 and the test of beta inside the loops (GCC at -O2 does not
// unswitch loops), and beta = 0 writes the first row update instead of clearing C with a
// memset call first. The arithmetic is the same in every case (Beta: 0, 1, or -1 for others).
template <bool TA, bool TB, bool UnitAlpha, int Beta, class T>
void tiny_gemm_loops(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t lda,
                     const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  const std::int64_t a_step = TA ? lda : 1;  // from a(i, k) to a(i, k + 1)
  for (std::int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    const T* a = TA ? A + i : A + i * lda;
    if constexpr (TB) {  // C[i, j] = alpha <A[i, :], B[j, :]> + beta C[i, j]
      for (std::int64_t j = 0; j < N; ++j) {
        const T* b = B + j * ldb;
        T acc = 0;
        for (std::int64_t k = 0; k < K; ++k) acc += a[k * a_step] * b[k];
        const T scaled = UnitAlpha ? acc : alpha * acc;
        c[j] = Beta == 0 ? scaled + T(0) : Beta == 1 ? scaled + c[j] : scaled + beta * c[j];
      }
    } else {  // C[i, :] = beta C[i, :] + sum over k of alpha A[i, k] B[k, :]
      std::int64_t k = 0;
      if constexpr (Beta == 0) {  // C[i, :] = 0 + alpha A[i, 0] B[0, :]
        if (K == 0) {
          for (std::int64_t j = 0; j < N; ++j) c[j] = T(0);
          continue;
        }
        const T s = UnitAlpha ? a[0] : alpha * a[0];
        for (std::int64_t j = 0; j < N; ++j) c[j] = T(0) + s * B[j];
        k = 1;
      } else if constexpr (Beta != 1) {
        for (std::int64_t j = 0; j < N; ++j) c[j] = beta * c[j];
      }
      for (; k < K; ++k) {
        const T s = UnitAlpha ? a[k * a_step] : alpha * a[k * a_step];
        const T* b = B + k * ldb;
        for (std::int64_t j = 0; j < N; ++j) c[j] += s * b[j];
      }
    }
  }
}

template <bool TA, bool TB, class T>
void tiny_gemm(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t lda, const T* B,
               std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  if (alpha == T(1)) {
    if (beta == T(0)) return tiny_gemm_loops<TA, TB, true, 0>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (beta == T(1)) return tiny_gemm_loops<TA, TB, true, 1>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  if (beta == T(0)) return tiny_gemm_loops<TA, TB, false, 0>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  tiny_gemm_loops<TA, TB, false, -1>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void tiny_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
               std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  if (ta) {
    if (tb) tiny_gemm<true, true>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else tiny_gemm<true, false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    if (tb) tiny_gemm<false, true>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else tiny_gemm<false, false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

// Deterministic mode (soma/core/threads.h): oneDNN splits the sum over K between threads
// when M and N are small for the team (a weight gradient), so its result depends on the
// thread count. There C is cut instead into blocks of rows (or columns, when N > M) fixed by
// the shape alone, each computed whole by one single-threaded call. Blocks are multiples of
// kBlockAlign and hold at least kParallelGemm multiply-adds; at most kMaxBlocks of them.
constexpr std::int64_t kBlockAlign = 16;
constexpr std::int64_t kMaxBlocks = 16;

template <class F>
void deterministic_blocks(std::int64_t M, std::int64_t N, std::int64_t K, F&& block) {
  const bool by_rows = M >= N;
  const std::int64_t D = by_rows ? M : N;
  const std::int64_t wanted = std::min({M * N * K / kParallelGemm, kMaxBlocks, (D + kBlockAlign - 1) / kBlockAlign});
  const std::int64_t size = ((D + wanted - 1) / wanted + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
  const std::int64_t blocks = (D + size - 1) / size;
  dnnl_status_t status = dnnl_success;  // a failure is reported after the parallel region
  for_each_chunk(blocks, [&](std::int64_t c) {
    const std::int64_t lo = c * size, n = std::min(size, D - lo);
    const dnnl_status_t s = by_rows ? block(lo, n, std::int64_t(0), N) : block(std::int64_t(0), M, lo, n);
    if (s != dnnl_success) {
#pragma omp atomic write
      status = s;
    }
  });
  SOMA_CHECK(status == dnnl_success, "matmul: oneDNN sgemm failed with status ", int(status), " for M = ", M,
             ", N = ", N, ", K = ", K);
}

// The float32 product on the threads that omp_get_max_threads() allows.
dnnl_status_t sgemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                    std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
  if (M * N * K <= kTinyGemm) {
    tiny_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return dnnl_success;
  }
  const bool primitive = !ta && tb && alpha == 1.0f && M >= kPrimitiveRows && M * N * K >= kPrimitiveWork &&
                         matmul_primitive_abt(M, N, K, A, lda, B, ldb, beta, C, ldc);
  return primitive ? dnnl_success
                   : dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

template <>
void gemm<float>(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                 const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                 std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (M * N * K <= kTinyGemm) return tiny_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (deterministic() && M * N * K >= kParallelGemm) {
    // Rows i0.. of op(A) and C, columns j0.. of op(B) and C.
    return deterministic_blocks(M, N, K, [&](std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) {
      const float* a = A + (ta ? i0 : i0 * lda);
      const float* b = B + (tb ? j0 * ldb : j0);
      return sgemm(ta, tb, m, n, K, alpha, a, lda, b, ldb, beta, C + i0 * ldc + j0, ldc);
    });
  }
  // oneDNN sizes its team from omp_get_max_threads(), so one thread is asked for here.
  const int threads = omp_get_max_threads();
  const bool serial = threads > 1 && M * N * K < kParallelGemm;
  if (serial) omp_set_num_threads(1);
  const dnnl_status_t status = sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (serial) omp_set_num_threads(threads);
  SOMA_CHECK(status == dnnl_success, "matmul: oneDNN sgemm failed with status ", int(status), " for M = ", M,
             ", N = ", N, ", K = ", K);
}

template <>
void gemm<double>(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                  const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C,
                  std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (M * N * K <= kTinyGemm) return tiny_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  // OpenBLAS's own pthread pool would fight OpenMP's for the cores: keep it to one thread.
  static const bool single_threaded = (openblas_set_num_threads(1), true);
  (void)single_threaded;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

}  // namespace soma::kernels
