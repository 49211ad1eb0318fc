// Deterministic mode (soma/core/threads.h) at the kernel level: GEMM and convolution give
// bit-identical results at 1, 2 and 3 threads for shapes where oneDNN's own split depends on
// the thread count (a long sum over K, a convolution's weight gradient over a batch), and
// still compute the product. The end-to-end check is tests/e2e/cli_threads.sh.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/conv_dnnl.h"
#include "kernels/parallel.h"
#include "soma/core/threads.h"

namespace soma::kernels {
namespace {

// Deterministic mode and a thread count for one test, restored after it.
class DeterministicTest : public ::testing::Test {
 protected:
  void SetUp() override { set_deterministic(true); }
  void TearDown() override {
    set_deterministic(was_);
    set_num_threads(threads_);
  }

 private:
  bool was_ = deterministic();
  int threads_ = num_threads();
};

template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = T(u(gen));
  return v;
}

// C = op(A) op(B) at `threads` threads.
std::vector<float> product(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, int threads) {
  const auto A = random_values<float>(M * K, 1), B = random_values<float>(K * N, 2);
  std::vector<float> C(M * N, 0.5f);
  set_num_threads(threads);
  gemm<float>(ta, tb, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), tb ? K : N, 1.0f, C.data(), N);
  return C;
}

TEST_F(DeterministicTest, GemmIsTheSameAtAnyThreadCount) {
  struct Case {
    bool ta, tb;
    std::int64_t M, N, K;
  };
  // A long K against small M and N (oneDNN splits K over threads there), the B3 and B2 dense
  // layers forward (A B^T) and their weight gradients (A^T B), and a square product.
  const Case cases[] = {{false, false, 24, 20, 40000}, {false, true, 64, 128, 3136}, {true, false, 128, 3136, 64},
                        {false, true, 64, 256, 784},   {true, false, 256, 784, 64},  {false, false, 300, 200, 100},
                        {true, true, 40, 600, 3000}};
  for (const Case& c : cases) {
    const auto one = product(c.ta, c.tb, c.M, c.N, c.K, 1);
    EXPECT_EQ(one, product(c.ta, c.tb, c.M, c.N, c.K, 2)) << c.M << "x" << c.N << "x" << c.K;
    EXPECT_EQ(one, product(c.ta, c.tb, c.M, c.N, c.K, 3)) << c.M << "x" << c.N << "x" << c.K;
    // Still the product: one entry against a sum in double.
    const auto A = random_values<float>(c.M * c.K, 1), B = random_values<float>(c.K * c.N, 2);
    const std::int64_t i = c.M - 1, j = c.N / 2;
    double expected = 0.5;
    for (std::int64_t k = 0; k < c.K; ++k)
      expected += double(c.ta ? A[k * c.M + i] : A[i * c.K + k]) * double(c.tb ? B[j * c.K + k] : B[k * c.N + j]);
    EXPECT_NEAR(one[i * c.N + j], expected, 1e-4 * std::sqrt(double(c.K)));
  }
}

// The gradients of a convolution at `threads` threads, through oneDNN (float) or im2col (double).
template <class T>
std::vector<T> conv_gradients(const ConvShape& s, int threads) {
  const auto x = random_values<T>(s.N * s.g.C * s.g.H * s.g.W, 3), w = random_values<T>(s.O * s.g.rows(), 4);
  const auto gy = random_values<T>(s.N * s.O * s.g.OH * s.g.OW, 5);
  std::vector<T> gx(x.size()), gw(w.size()), gb(s.O);
  set_num_threads(threads);
  bool done = false;
  if constexpr (std::is_same_v<T, float>)
    done = dnnl_conv2d_backward(s, s.g.pad_top, s.g.pad_left, x.data(), w.data(), gy.data(), gx.data(), gw.data(),
                                gb.data());
  if (!done) {
    std::vector<T> workspace(conv_backward_workspace(s, true, true));
    conv2d_backward<T>(s, x.data(), w.data(), gy.data(), gx.data(), gw.data(), gb.data(), workspace.data());
  }
  std::vector<T> all = gx;
  all.insert(all.end(), gw.begin(), gw.end());
  all.insert(all.end(), gb.begin(), gb.end());
  return all;
}

TEST_F(DeterministicTest, ConvolutionGradientsAreTheSameAtAnyThreadCount) {
  // B3's second convolution (32 -> 64, 3x3, pad 1) on 14x14 images, a batch of 64.
  ConvShape s{.N = 64, .groups = 1, .O = 64};
  s.g = ConvGeometry{.C = 32, .H = 14, .W = 14, .kH = 3, .kW = 3, .pad_top = 1, .pad_left = 1, .OH = 14, .OW = 14};
  const auto one = conv_gradients<float>(s, 1);
  EXPECT_EQ(one, conv_gradients<float>(s, 2));
  EXPECT_EQ(one, conv_gradients<float>(s, 3));
  s.N = 20;  // float64 runs im2col + GEMM, whose weight gradient sums per part of the batch
  const auto one_double = conv_gradients<double>(s, 1);
  EXPECT_EQ(one_double, conv_gradients<double>(s, 2));
  EXPECT_EQ(one_double, conv_gradients<double>(s, 3));
}

TEST_F(DeterministicTest, ForEachChunkRunsEveryChunkOnOneThreadAndRestoresTheCount) {
  set_num_threads(2);
  std::vector<int> seen(10, 0);
  for_each_chunk(10, [&](std::int64_t c) { seen[c] = omp_get_max_threads(); });
  EXPECT_EQ(seen, std::vector<int>(10, 1));
  EXPECT_EQ(num_threads(), 2);
}

TEST(Deterministic, IsASwitch) {
  const bool was = deterministic();
  set_deterministic(true);
  EXPECT_TRUE(deterministic());
  set_deterministic(false);
  EXPECT_FALSE(deterministic());
  set_deterministic(was);
}

}  // namespace
}  // namespace soma::kernels
