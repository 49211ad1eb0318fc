// kernels::fused_dense against its definition act(x W^T + b) evaluated in double: the batch-1
// AVX-512 kernel (where the CPU has it) and the GEMM path (more rows), every activation, sizes
// around the kernel's 16 rows and 16 columns, with and without bias; nothing written past y;
// relu and leaky_relu keep NaN; the bfloat16 version against the same definition on operands
// rounded to bfloat16.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
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

// x rounded to bfloat16, to nearest even (as the kernel rounds W and x).
double bf16(float x) {
  auto u = std::bit_cast<std::uint32_t>(x);
  u = (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000u;
  return std::bit_cast<float>(u);
}

TEST(FusedDense, BFloat16MatchesTheDefinitionOnRoundedOperands) {
  const float slope = 0.2f;
  for (auto act : {DenseActivation::identity, DenseActivation::relu, DenseActivation::leaky_relu,
                   DenseActivation::sigmoid, DenseActivation::tanh})
    for (std::int64_t rows : {1, 3})
      for (std::int64_t in : {1, 31, 32, 33, 100})
        for (std::int64_t out : {1, 16, 21}) {
          const std::int64_t ld = bf16_row_length(in);
          std::vector<float> x(rows * in), W(out * in), b(out), y(rows * out + 3, -7);
          for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 1.3f) * 2;
          for (std::size_t i = 0; i < W.size(); ++i) W[i] = std::cos(float(i) * 0.7f) / std::sqrt(float(in));
          for (std::size_t i = 0; i < b.size(); ++i) b[i] = float(int(i % 5) - 2) / 8;
          std::vector<std::uint16_t> Wb(out * ld + 32), scratch(rows * ld + 32);
          // 64-byte aligned, as the plan's storage is
          auto align = [](std::uint16_t* p) {
            return reinterpret_cast<std::uint16_t*>((reinterpret_cast<std::uintptr_t>(p) + 63) & ~std::uintptr_t(63));
          };
          std::uint16_t *wb = align(Wb.data()), *sc = align(scratch.data());
          to_bf16_rows(W.data(), out, in, wb);
          for (std::int64_t o = 0; o < out; ++o)
            for (std::int64_t k = in; k < ld; ++k) EXPECT_EQ(wb[o * ld + k], 0) << "padding";
          fused_dense_bf16(x.data(), rows, in, wb, b.data(), out, act, slope, sc, y.data());
          for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t o = 0; o < out; ++o) {
              double v = b[o];
              for (std::int64_t k = 0; k < in; ++k) v += bf16(x[r * in + k]) * bf16(W[o * in + k]);
              const double want = activate(v, act, slope);
              EXPECT_NEAR(y[r * out + o], want, 1e-5 * std::max(1.0, std::abs(want)))
                  << "rows " << rows << " in " << in << " out " << out << " act " << int(act);
            }
          for (std::size_t i = rows * out; i < y.size(); ++i) EXPECT_EQ(y[i], -7) << "wrote past y";
        }
}

}  // namespace
}  // namespace soma::kernels
