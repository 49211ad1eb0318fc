// GEMM dispatch (see gemm.h for the choice of library).
#include "kernels/gemm.h"

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <stdexcept>

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
  if (status != dnnl_success) throw std::runtime_error("dnnl_sgemm failed");
}

template <>
void gemm<double>(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha,
                  const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C,
                  std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (M * N * K <= kTinyGemm) return tiny_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

}  // namespace soma::kernels
