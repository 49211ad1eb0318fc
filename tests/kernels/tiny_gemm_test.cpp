// The plain-loop path of kernels::gemm (products too small for a library call) against a
// direct evaluation of the definition, for every transpose pair, alpha and beta, with
// row strides larger than the rows.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "kernels/gemm.h"

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

TEST(TinyGemm, BetaZeroIgnoresWhatCHeld) {
  // beta = 0 means C is not read: NaN there (e.g. fresh storage) must not leak through.
  const float A[2] = {1, 2}, B[2] = {3, 4};
  float C[1] = {std::numeric_limits<float>::quiet_NaN()};
  gemm<float>(false, false, 1, 1, 2, 1, A, 2, B, 1, 0, C, 1);
  EXPECT_EQ(C[0], 11);
}

}  // namespace
}  // namespace soma::kernels
