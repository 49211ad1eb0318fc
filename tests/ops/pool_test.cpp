// Tests of include/soma/ops/pool.h: max/avg/global pooling values by hand (ceil_mode's output
// sizes, count_include_pad's divisors, ties and NaN), float64 gradchecks (max pooling on
// inputs without ties), float32 batches against a naive loop on 1 and 2 threads, and the
// errors. PyTorch reference values are in tests/reference/conv_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/pool.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;
using In = const std::vector<Tensor>&;

// float64 values 0.05 * (a permutation of 0..n-1): no two equal, so no window has a tie and
// a finite-difference step of 1e-6 never changes a winner.
Tensor distinct64(const Shape& shape) {
  const std::int64_t n = shape.numel();
  std::vector<double> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = 0.05 * double((i * 7919) % n) - 0.025 * double(n);
  return from_data(v, shape, DType::f64);
}

// 1..16 as a 1x1x4x4 image.
Tensor image4x4(DType dt) {
  return tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {1, 1, 4, 4}, dt);
}

// ---- values by hand ----

TEST(PoolOp, MaxPoolByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = image4x4(dt);
    EXPECT_TRUE(values_near(max_pool2d(x, 2), {1, 1, 2, 2}, dt, {6, 8, 14, 16}));
    EXPECT_TRUE(values_near(max_pool2d(x, 3, 1), {1, 1, 2, 2}, dt, {11, 12, 15, 16}));
    // Padding 1 (as -inf), stride 2: windows start at -1 and 1.
    EXPECT_TRUE(values_near(max_pool2d(x, 3, 2, 1), {1, 1, 2, 2}, dt, {6, 8, 14, 16}));
    // Non-square kernel and stride.
    EXPECT_TRUE(values_near(max_pool2d(x, Pair{1, 2}, Pair{2, 2}), {1, 1, 2, 2}, dt, {2, 4, 10, 12}));
  }
}

TEST(PoolOp, CeilModeOutputSizesFollowPyTorch) {
  const Tensor x5 = random64({1, 1, 5, 5}, 1);
  EXPECT_EQ(max_pool2d(x5, 2).shape(), Shape({1, 1, 2, 2}));
  EXPECT_EQ(max_pool2d(x5, 2, 2, 0, true).shape(), Shape({1, 1, 3, 3}));
  // Padding 1: the ceiling gives 4, but the 4th window would start at 6 >= 5 + 1, inside the
  // right padding only, so PyTorch drops it.
  EXPECT_EQ(max_pool2d(x5, 2, 2, 1, false).shape(), Shape({1, 1, 3, 3}));
  EXPECT_EQ(max_pool2d(x5, 2, 2, 1, true).shape(), Shape({1, 1, 3, 3}));
  EXPECT_EQ(avg_pool2d(random64({1, 1, 6, 7}, 2), 3, 2, 0, true).shape(), Shape({1, 1, 3, 3}));
  // The last window of ceil_mode covers what is left: the max of the last column.
  const Tensor x = image4x4(DType::f64);
  EXPECT_TRUE(values_near(max_pool2d(x, 3, 2, 0, true), {1, 1, 2, 2}, DType::f64, {11, 12, 15, 16}));
}

TEST(PoolOp, MaxPoolTiesGoToTheFirstAndNaNWins) {
  Tensor x = zeros({1, 1, 2, 4}, DType::f64);
  x.set_requires_grad();
  max_pool2d(x, 2).backward(ones({1, 1, 1, 2}, DType::f64));
  EXPECT_TRUE(values_near(x.grad(), {1, 1, 2, 4}, DType::f64, {1, 0, 1, 0, 0, 0, 0, 0}));
  const Tensor with_nan = tensor({1, NAN, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
  const Tensor y = max_pool2d(with_nan, 2);
  EXPECT_TRUE(std::isnan(y.at({0, 0, 0, 0})));
  EXPECT_EQ(y.at({0, 0, 0, 1}), 8);
}

TEST(PoolOp, AvgPoolDivisorsByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = image4x4(dt);
    EXPECT_TRUE(values_near(avg_pool2d(x, 2), {1, 1, 2, 2}, dt, {3.5, 5.5, 11.5, 13.5}));
    // Padding 1, kernel 2, stride 2: the corner window holds one input and three zeros.
    EXPECT_TRUE(values_near(avg_pool2d(x, 2, 2, 1), {1, 1, 3, 3}, dt,
                            {0.25, 1.25, 1, 3.5, 8.5, 5, 3.25, 7.25, 4}));
    EXPECT_TRUE(values_near(avg_pool2d(x, 2, 2, 1, false, false), {1, 1, 3, 3}, dt,
                            {1, 2.5, 4, 7, 8.5, 10, 13, 14.5, 16}));
    // ceil_mode, no padding: the last window runs past the input; with count_include_pad
    // the divisor is the window clipped to the (unpadded) input, as in PyTorch.
    EXPECT_TRUE(values_near(avg_pool2d(x, 3, 2, 0, true), {1, 1, 2, 2}, dt, {6, 7.5, 12, 13.5}));
  }
}

TEST(PoolOp, GlobalAvgPoolByHand) {
  const Tensor x = tensor({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 2, 2}, DType::f64);
  EXPECT_TRUE(values_near(global_avg_pool2d(x), {1, 2, 1, 1}, DType::f64, {2.5, 25}));
  EXPECT_EQ(global_avg_pool2d(random64({3, 4, 5})).shape(), Shape({3, 1, 1}));
}

TEST(PoolOp, UnbatchedInputGivesUnbatchedOutput) {
  EXPECT_EQ(max_pool2d(random64({3, 6, 5}), 2).shape(), Shape({3, 3, 2}));
  EXPECT_EQ(avg_pool2d(random64({3, 6, 5}), 2).shape(), Shape({3, 3, 2}));
}

// ---- gradients ----

struct PoolConfig {
  const char* name;
  Shape shape;
  Pair kernel;
  Pair stride;
  Pair padding;
  bool ceil_mode;
};

const PoolConfig kPoolConfigs[] = {
    {"k2", {2, 2, 6, 5}, 2, 0, 0, false},
    {"k3_s2_p1", {1, 2, 7, 6}, 3, 2, 1, false},
    {"k3_s1_p1", {1, 2, 5, 5}, 3, 1, 1, false},
    {"k2x3_s1x2", {2, 1, 6, 7}, {2, 3}, Pair{1, 2}, 0, false},
    {"k2_ceil", {1, 2, 5, 7}, 2, 0, 0, true},
    {"k3_s2_p1_ceil", {1, 2, 6, 8}, 3, 2, 1, true},
    {"k4_s3_p2_ceil", {1, 1, 9, 10}, 4, 3, 2, true},
    {"k5_s1_overlapping", {1, 1, 7, 6}, 5, 1, 2, false},
};

TEST(PoolGradcheck, MaxPoolWithoutTies) {
  for (const PoolConfig& c : kPoolConfigs) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(gradcheck([&](In in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode); },
                          {distinct64(c.shape)}));
  }
}

TEST(PoolGradcheck, AvgPoolBothDivisorRules) {
  for (bool count_include_pad : {true, false})
    for (const PoolConfig& c : kPoolConfigs) {
      SCOPED_TRACE(std::string(c.name) + (count_include_pad ? " include pad" : " exclude pad"));
      EXPECT_TRUE(gradcheck(
          [&](In in) { return avg_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode, count_include_pad); },
          {random64(c.shape, 5)}));
    }
}

TEST(PoolGradcheck, GlobalAvgPool) {
  EXPECT_TRUE(gradcheck([](In in) { return global_avg_pool2d(in[0]); }, {random64({2, 3, 4, 5}, 6)}));
}

// ---- float32 batches against a naive loop ----

// PyTorch's definitions written out plainly, in double: each window enumerated over the
// padded input, the max over its in-range elements, the mean with the documented divisor.
std::vector<double> naive_pool(const Tensor& x, const PoolConfig& c, bool is_max, bool count_include_pad,
                               std::int64_t OH, std::int64_t OW) {
  const Tensor x64 = x.to(DType::f64);
  const std::int64_t planes = c.shape[0] * c.shape[1], H = c.shape[2], W = c.shape[3];
  const Pair s = c.stride == Pair(0) ? c.kernel : c.stride;
  std::vector<double> y;
  for (std::int64_t p = 0; p < planes; ++p)
    for (std::int64_t oh = 0; oh < OH; ++oh)
      for (std::int64_t ow = 0; ow < OW; ++ow) {
        double best = -INFINITY, sum = 0;
        std::int64_t inside = 0, padded = 0;
        for (std::int64_t i = 0; i < c.kernel.h; ++i)
          for (std::int64_t j = 0; j < c.kernel.w; ++j) {
            const std::int64_t ih = oh * s.h - c.padding.h + i, iw = ow * s.w - c.padding.w + j;
            if (ih < H + c.padding.h && iw < W + c.padding.w) ++padded;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const double v = x64.data<double>()[(p * H + ih) * W + iw];
            best = std::max(best, v);
            sum += v;
            ++inside;
          }
        y.push_back(is_max ? best : sum / double(count_include_pad ? padded : inside));
      }
  return y;
}

TEST(PoolOp, Float32BatchesMatchNaiveLoopOnOneAndTwoThreads) {
  const PoolConfig configs[] = {
      {"b3_like", {16, 32, 28, 28}, 2, 0, 0, false},
      {"k3_s2_p1_ceil", {8, 12, 17, 19}, 3, 2, 1, true},
      {"k2x3", {4, 40, 13, 11}, {2, 3}, Pair{2, 1}, {1, 0}, false},
  };
  const int saved = num_threads();
  Generator gen(9);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const PoolConfig& c : configs)
      for (bool is_max : {true, false}) {
        SCOPED_TRACE(std::string(c.name) + (is_max ? " max" : " avg") + ", threads " + std::to_string(threads));
        const Tensor x = uniform(c.shape, -1, 1, gen);
        const Tensor y = is_max ? max_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode)
                                : avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, false);
        const auto want = naive_pool(x, c, is_max, false, y.size(2), y.size(3));
        const Tensor got = y.to(DType::f64);
        ASSERT_EQ(std::int64_t(want.size()), got.numel());
        for (std::int64_t i = 0; i < got.numel(); ++i)
          ASSERT_NEAR(got.data<double>()[i], want[i], 1e-6) << "element " << i;
      }
  }
  set_num_threads(saved);
}

TEST(PoolOp, MaxPoolBackwardSendsEachGradientToItsWinnerOnTwoThreads) {
  // Overlapping windows (stride 1) on a batch big enough for the threaded loop: the gradient
  // of x is the number of windows each element wins.
  const int saved = num_threads();
  set_num_threads(2);
  Tensor x = distinct64({8, 16, 12, 12}).copy();
  x.set_requires_grad();
  const Tensor y = max_pool2d(x, 3, 1, 1);
  y.backward(ones(y.shape(), DType::f64));
  std::vector<double> wins(x.numel(), 0);
  const double* px = x.data<double>();
  for (std::int64_t p = 0; p < 8 * 16; ++p)
    for (std::int64_t oh = 0; oh < 12; ++oh)
      for (std::int64_t ow = 0; ow < 12; ++ow) {
        std::int64_t best = -1;
        for (std::int64_t ih = std::max<std::int64_t>(oh - 1, 0); ih < std::min<std::int64_t>(oh + 2, 12); ++ih)
          for (std::int64_t iw = std::max<std::int64_t>(ow - 1, 0); iw < std::min<std::int64_t>(ow + 2, 12); ++iw) {
            const std::int64_t i = (p * 12 + ih) * 12 + iw;
            if (best < 0 || px[i] > px[best]) best = i;
          }
        wins[best] += 1;
      }
  for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(x.grad().data<double>()[i], wins[i]) << i;
  set_num_threads(saved);
}

// ---- errors ----

TEST(PoolOp, ErrorsNameTheOpAndShowTheArithmetic) {
  EXPECT_TRUE(throws_error_with([] { max_pool2d(zeros({1, 1, 1, 1}), 2); },
                                {"max_pool2d: input 1x1x1, kernel 2, stride 2, padding 0 -> 0x0",
                                 "(in + 2*padding - kernel) / stride + 1", "does not fit"}));
  EXPECT_TRUE(throws_error_with([] { avg_pool2d(zeros({1, 3, 2, 9}), 3, 1, 0, true); },
                                {"avg_pool2d: input 3x2x9, kernel 3, stride 1, padding 0, ceil_mode -> 0x7"}));
  EXPECT_TRUE(throws_error_with([] { max_pool2d(zeros({1, 1, 8, 8}), 3, 1, 2); },
                                {"max_pool2d: padding 2 must be at most half the kernel 3"}));
  EXPECT_TRUE(throws_error_with([] { max_pool2d(zeros({1, 1, 8, 8}), 0); },
                                {"max_pool2d: kernel and stride must be at least 1", "kernel 0"}));
  EXPECT_TRUE(throws_error_with([] { avg_pool2d(zeros({1, 1, 8, 8}), 2, {1, -1}); }, {"stride 1x-1"}));
  EXPECT_TRUE(throws_error_with([] { max_pool2d(zeros({8, 8}), 2); },
                                {"max_pool2d: expected an input [N, C, H, W]", "[8, 8]"}));
  EXPECT_TRUE(throws_error_with([] { max_pool2d(zeros({1, 1, 4, 4}, DType::i64), 2); }, {"max_pool2d", "int64"}));
  EXPECT_TRUE(throws_error_with([] { global_avg_pool2d(zeros({1, 2, 0, 3})); }, {"global_avg_pool2d", "empty"}));
}

}  // namespace
}  // namespace soma
