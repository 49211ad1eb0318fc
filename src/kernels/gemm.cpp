// GEMM dispatch (see gemm.h for the choice of library).
#include "kernels/gemm.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include "soma/core/error.h"

namespace soma::kernels {
namespace {

// Below this many multiply-adds a library call costs more than the arithmetic.
constexpr std::int64_t kTinyGemm = 4096;

template <class T>
void tiny_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
               std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (std::int64_t k = 0; k < K; ++k)
        acc += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      T& c = C[i * ldc + j];
      c = alpha * acc + (beta == T(0) ? T(0) : beta * c);
    }
}

}  // namespace

template <>
void gemm<float>(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                 const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                 std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (M * N * K <= kTinyGemm) return tiny_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  const dnnl_status_t status =
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
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
