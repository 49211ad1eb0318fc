// kernels::fused_dense against its definition act(x W^T + b) evaluated in double: the batch-1
// AVX-512 kernel (where the CPU has it) and the GEMM path (more rows), every activation, sizes
// around the kernel's 16 rows and 16 columns, with and without bias; nothing written past y;
// relu and leaky_relu keep NaN.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/fused_dense.h"

namespace soma::kernels {
namespace {

double activate(double v, DenseActivation act, double slope) {
  switch (act) {
    case DenseActivation::identity: return v;
    case DenseActivation::relu: return v < 0 ? 0 : v;
    case DenseActivation::leaky_relu: return v > 0 ? v : slope * v;
    case DenseActivation::sigmoid: return 1 / (1 + std::exp(-v));
    case DenseActivation::tanh: return std::tanh(v);
  }
  return v;
}

void check(std::int64_t rows, std::int64_t in, std::int64_t out, DenseActivation act, bool with_bias) {
  const float slope = 0.1f, sentinel = -12345;
  std::vector<float> x(rows * in), W(out * in), b(out), y(rows * out + 5, sentinel);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 7 % 23) - 11) / 8;
  for (std::size_t i = 0; i < W.size(); ++i) W[i] = float(int(i * 5 % 19) - 9) / float(4 * std::sqrt(in));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = float(int(i % 7) - 3) / 4;
  fused_dense(x.data(), rows, in, W.data(), with_bias ? b.data() : nullptr, out, act, slope, y.data());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double v = with_bias ? b[o] : 0;
      for (std::int64_t k = 0; k < in; ++k) v += double(x[r * in + k]) * W[o * in + k];
      const double want = activate(v, act, slope);
      EXPECT_NEAR(y[r * out + o], want, 1e-5 * std::max(1.0, std::abs(want)))
          << "rows " << rows << " in " << in << " out " << out << " act " << int(act) << " at " << r << ", " << o;
    }
  for (std::size_t i = rows * out; i < y.size(); ++i) EXPECT_EQ(y[i], sentinel) << "wrote past y";
}

TEST(FusedDense, MatchesTheDefinitionForEveryActivationAndSize) {
  const DenseActivation acts[] = {DenseActivation::identity, DenseActivation::relu, DenseActivation::leaky_relu,
                                  DenseActivation::sigmoid, DenseActivation::tanh};
  for (auto act : acts)
    for (std::int64_t rows : {1, 2, 7})
      for (std::int64_t in : {1, 15, 16, 17, 50})
        for (std::int64_t out : {1, 10, 16, 17, 40}) check(rows, in, out, act, (in + out) % 2 == 0);
  check(1, 784, 256, DenseActivation::relu, true);  // B9's first layer
  check(3, 784, 256, DenseActivation::relu, true);
}

TEST(FusedDense, ReluAndLeakyReluKeepNaN) {
  for (auto act : {DenseActivation::relu, DenseActivation::leaky_relu})
    for (std::int64_t rows : {1, 3}) {
      std::vector<float> x(rows * 20, 1), W(18 * 20, -1), b(18, 0), y(rows * 18);
      x[3] = std::numeric_limits<float>::quiet_NaN();  // row 0 only
      fused_dense(x.data(), rows, 20, W.data(), b.data(), 18, act, 0.5f, y.data());
      for (std::int64_t o = 0; o < 18; ++o) EXPECT_TRUE(std::isnan(y[o])) << "act " << int(act) << " rows " << rows;
      for (std::int64_t i = 18; i < rows * 18; ++i) EXPECT_EQ(y[i], act == DenseActivation::relu ? 0 : -10);
    }
}

}  // namespace
}  // namespace soma::kernels
