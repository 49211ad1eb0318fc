// kernels/binary_gemm.h: bits of 0/1 matrices, their transpose, the row-sum product against
// the definition of a matrix product (and kernels::gemm), and the float transpose. Values of
// B are multiples of 1/8 so that every sum is exact in any order: results must be equal, not
// near. Sizes straddle the kernels' edges: 64-bit words, 32-row chunks of B, 16-register
// blocks of columns and partial registers; rows of A include empty and all-ones rows.
#include "kernels/binary_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/gemm.h"

namespace soma::kernels {
namespace {

// Deterministic 0/1 matrix [rows, ld] of about `density` ones; row 0 is all zeros and row 1
// (if any) all ones. Entries past `cols` are 7 (never read).
template <class T>
std::vector<T> binary_matrix(std::int64_t rows, std::int64_t cols, std::int64_t ld, double density, unsigned seed) {
  std::vector<T> x(std::size_t(rows * ld), T(7));
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      const bool one = r == 1 || (r != 0 && double(s >> 11) * 0x1.0p-53 < density);
      x[std::size_t(r * ld + c)] = one ? T(1) : T(0);
    }
  return x;
}

template <class T>
std::vector<T> eighths(std::int64_t count, int offset) {
  std::vector<T> v(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) v[std::size_t(i)] = T(int((i * 7 + offset) % 23) - 11) / 8;
  return v;
}

template <class T>
void check_bits(std::int64_t rows, std::int64_t cols) {
  const std::int64_t ld = cols + 5, words = bit_words(cols);
  const std::vector<T> x = binary_matrix<T>(rows, cols, ld, 0.4, unsigned(rows * 131 + cols));
  std::vector<std::uint64_t> bits(std::size_t(rows * words), 0xAAAAAAAAAAAAAAAAull);
  ASSERT_TRUE(binary_bits(x.data(), rows, cols, ld, bits.data()));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < words * 64; ++c) {
      const bool bit = (bits[std::size_t(r * words + c / 64)] >> (c % 64)) & 1;
      EXPECT_EQ(bit, c < cols && x[std::size_t(r * ld + c)] == T(1)) << rows << "x" << cols << " at " << r << ", " << c;
    }
}

TEST(BinaryBits, OneBitPerEntryAndZeroPastTheEnd) {
  for (std::int64_t cols : {1, 7, 16, 63, 64, 65, 130, 784}) {
    check_bits<float>(3, cols);
    check_bits<double>(3, cols);
  }
}

template <class T>
void check_rejects(T bad) {
  for (std::int64_t at : {0, 17, 64, 99}) {  // first lane, a later register, a later word, the last entry
    std::vector<T> x = binary_matrix<T>(2, 50, 50, 0.5, 3);
    x[std::size_t(at)] = bad;
    std::vector<std::uint64_t> bits(2 * bit_words(50));
    EXPECT_FALSE(binary_bits(x.data(), 2, 50, 50, bits.data())) << double(bad) << " at " << at;
  }
}

TEST(BinaryBits, RejectsAnythingButZeroAndOne) {
  for (double bad : {0.5, -1.0, 2.0, 1e-30, std::numeric_limits<double>::quiet_NaN()}) {
    check_rejects<float>(float(bad));
    check_rejects<double>(bad);
  }
}

TEST(BinaryBits, TransposeMovesEveryBit) {
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {64, 64}, {63, 65}, {128, 784}, {130, 70}}) {
    const std::vector<float> x = binary_matrix<float>(rows, cols, cols, 0.3, unsigned(rows + cols));
    std::vector<std::uint64_t> bits(std::size_t(rows * bit_words(cols)));
    std::vector<std::uint64_t> t(std::size_t(cols * bit_words(rows)), ~std::uint64_t(0));
    ASSERT_TRUE(binary_bits(x.data(), rows, cols, cols, bits.data()));
    transpose_bits(bits.data(), rows, cols, t.data());
    const std::int64_t words = bit_words(rows);
    for (std::int64_t c = 0; c < cols; ++c)
      for (std::int64_t r = 0; r < words * 64; ++r) {
        const bool bit = (t[std::size_t(c * words + r / 64)] >> (r % 64)) & 1;
        EXPECT_EQ(bit, r < rows && x[std::size_t(r * cols + c)] == 1.0f) << rows << "x" << cols << " at " << c << ", " << r;
      }
  }
}

// C = bias + A B (or A B without a bias) through binary_gemm against the definition, with
// strides past the rows; for float also against kernels::gemm, the dense product the RBM used
// before (on C filled with the bias rows).
template <class T>
void check_product(std::int64_t M, std::int64_t N, std::int64_t K, double density, bool with_bias) {
  const std::int64_t lda = K + 3, ldb = N + 5, ldc = N + 2;
  const std::vector<T> A = binary_matrix<T>(M, K, lda, density, unsigned(M * 7 + N * 11 + K));
  const std::vector<T> B = eighths<T>(K * ldb, 1);
  const std::vector<T> bias = eighths<T>(N, 4);
  std::vector<T> C = eighths<T>(M * ldc, 5), expected = C;
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (std::int64_t k = 0; k < K; ++k) sum += A[std::size_t(i * lda + k)] * B[std::size_t(k * ldb + j)];
      expected[std::size_t(i * ldc + j)] = (with_bias ? bias[std::size_t(j)] : T(0)) + sum;
    }
  std::vector<std::uint64_t> bits(std::size_t(M * bit_words(K)));  // empty for K = 0: nothing may be read
  ASSERT_TRUE(binary_bits(A.data(), M, K, lda, bits.data()));
  std::vector<T> dense = C;
  binary_gemm<T>(M, N, K, bits.data(), B.data(), ldb, with_bias ? bias.data() : nullptr, C.data(), ldc);
  EXPECT_EQ(C, expected) << M << "x" << N << "x" << K << " density " << density << " bias " << with_bias;
  if (std::is_same_v<T, float> && K > 0) {
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t j = 0; j < N; ++j) dense[std::size_t(i * ldc + j)] = with_bias ? bias[std::size_t(j)] : T(0);
    gemm<T>(false, false, M, N, K, T(1), A.data(), lda, B.data(), ldb, T(1), dense.data(), ldc);
    EXPECT_EQ(C, dense) << "against kernels::gemm, " << M << "x" << N << "x" << K;
  }
}

TEST(BinaryGemm, EqualsTheDenseProduct) {
  for (bool with_bias : {false, true})
    for (double density : {0.0, 0.35, 1.0})
      for (std::int64_t N : {1, 15, 16, 17, 130, 256, 257, 784})
        for (std::int64_t K : {0, 1, 31, 32, 33, 64, 65, 128, 200}) {
          check_product<float>(5, N, K, density, with_bias);
          check_product<double>(5, N, K, density, with_bias);
        }
}

TEST(BinaryGemm, RbmSizedProductsOnSeveralRows) {
  // The benchmark's shapes: v W (64 x 784 x 256), h Wᵀ (64 x 256 x 784), Xᵀ P (784 x 128 x 256).
  check_product<float>(64, 256, 784, 0.31, true);
  check_product<float>(64, 784, 256, 0.45, true);
  check_product<float>(784, 256, 128, 0.33, false);
  check_product<double>(64, 256, 784, 0.31, true);
}

template <class T>
void check_transpose(std::int64_t rows, std::int64_t cols) {
  const std::int64_t ld_in = cols + 3, ld_out = rows + 2;
  const std::vector<T> in = eighths<T>(rows * ld_in, 2);
  std::vector<T> out(std::size_t(cols * ld_out), T(99));
  transpose(in.data(), rows, cols, ld_in, out.data(), ld_out);
  for (std::int64_t c = 0; c < cols; ++c)
    for (std::int64_t r = 0; r < ld_out; ++r)
      EXPECT_EQ(out[std::size_t(c * ld_out + r)], r < rows ? in[std::size_t(r * ld_in + c)] : T(99))
          << rows << "x" << cols << " at " << c << ", " << r;
}

TEST(Transpose, EveryEntryMovesAndNothingElse) {
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {16, 16}, {17, 33}, {48, 5}, {784, 256}}) {
    check_transpose<float>(rows, cols);
    check_transpose<double>(rows, cols);
  }
}

}  // namespace
}  // namespace soma::kernels
