// kernels::gemm's paths against a direct evaluation of the definition, for every transpose
// pair, alpha and beta, with row strides larger than the rows: the plain loop (products too
// small for a library call), dnnl_sgemm, and the cached matmul primitive (gemm_primitive.h).
// The operands are small multiples of 1/32, so every path's sums are exact whatever its order.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/gemm_primitive.h"

namespace soma::kernels {
namespace {

template <class T>
void check(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, T beta) {
  const std::int64_t pad = 3;  // strides beyond the row length
  const std::int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
  std::vector<T> A((ta ? K : M) * lda), B((tb ? N : K) * ldb), C(M * ldc), expected;
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = T(int(i * 7 % 11) - 5) / 4;
  for (std::size_t i = 0; i < B.size(); ++i) B[i] = T(int(i * 5 % 13) - 6) / 8;
  for (std::size_t i = 0; i < C.size(); ++i) C[i] = T(int(i % 9) - 4);
  expected = C;
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (std::int64_t k = 0; k < K; ++k) acc += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      expected[i * ldc + j] = alpha * acc + beta * expected[i * ldc + j];
    }
  gemm<T>(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j)
      EXPECT_NEAR(C[i * ldc + j], expected[i * ldc + j], 1e-5) << "ta " << ta << " tb " << tb << " at " << i << ", " << j;
  for (std::int64_t j = N; j < ldc; ++j) EXPECT_EQ(C[j], T(int(j % 9) - 4)) << "wrote past the row";
}

TEST(TinyGemm, MatchesTheDefinitionForEveryLayout) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check<float>(ta, tb, 4, 5, 2, 1, 0);    // XOR's shapes
      check<float>(ta, tb, 1, 5, 4, 0.5, 1);
      check<double>(ta, tb, 5, 2, 4, -2, 0.25);
      check<double>(ta, tb, 3, 1, 7, 1, 0);
    }
}

TEST(GemmLibraryPaths, MatchTheDefinitionForEveryLayoutAndRowCount) {
  // Below 16 rows or 2^20 multiply-adds: dnnl_sgemm; above both, A B^T (alpha 1) takes the
  // primitive, the other layouts dnnl_sgemm.
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (std::int64_t M : {1, 15, 16, 64}) {
        check<float>(ta, tb, M, 33, 20, 1, 0);
        check<float>(ta, tb, M, 260, 270, 1, 0);
        check<float>(ta, tb, M, 260, 270, 1, 1);  // linear's forward: bias rows, then += x W^T
        check<float>(ta, tb, M, 260, 270, 2, 0.5);
        check<float>(ta, tb, M, 260, 270, 1, 0);  // again: a cached primitive, new operands
      }
}

TEST(GemmLibraryPaths, ThePrimitiveBuildsAndIgnoresWhatCHeldAtBetaZero) {
  // Called directly: gemm would fall back to dnnl_sgemm, unseen, if no primitive were built.
  const std::int64_t M = 16, N = 8, K = 4, ldb = K + 2;
  std::vector<float> A(M * K, 1), B(N * ldb, 0.5f), C(M * N, std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(matmul_primitive_abt(M, N, K, A.data(), K, B.data(), ldb, 0, C.data(), N));
  for (float c : C) EXPECT_EQ(c, 2);
  EXPECT_TRUE(matmul_primitive_abt(M, N, K, A.data(), K, B.data(), ldb, 1, C.data(), N));  // C += A B^T
  for (float c : C) EXPECT_EQ(c, 4);
}

TEST(TinyGemm, BetaZeroIgnoresWhatCHeld) {
  // beta = 0 means C is not read: NaN there (e.g. fresh storage) must not leak through.
  const float A[2] = {1, 2}, B[2] = {3, 4};
  float C[1] = {std::numeric_limits<float>::quiet_NaN()};
  gemm<float>(false, false, 1, 1, 2, 1, A, 2, B, 1, 0, C, 1);
  EXPECT_EQ(C[0], 11);
}

}  // namespace
}  // namespace soma::kernels
