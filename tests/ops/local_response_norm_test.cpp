// Tests of include/soma/ops/local_response_norm.h and nn::LocalResponseNorm: a value by hand,
// float64 gradchecks over window sizes (odd, even, wider than the channels), ranks and
// constants, float32 against float64, and the errors. PyTorch reference values are in
// tests/reference/zoo_layers_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/local_response_norm.h"
#include "soma/ops/local_response_norm.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;

TEST(LocalResponseNormOp, ByHand) {
  // Channels 1, 2, 3 at one pixel, size 3: the window of channel 0 is {0, 1} (zero padded),
  // of channel 1 {0, 1, 2}, of channel 2 {1, 2}; divisor size = 3.
  const Tensor x = tensor({1.0, 2.0, 3.0}, {1, 3, 1, 1}, DType::f64);
  const Tensor y = local_response_norm(x, 3, 0.3, 0.5, 2.0);
  const double sums[3] = {1 + 4, 1 + 4 + 9, 4 + 9};
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(y.data<double>()[c], (c + 1) / std::pow(2.0 + 0.3 / 3 * sums[c], 0.5), 1e-15) << c;
}

TEST(LocalResponseNormOp, GradcheckOverSizesRanksAndConstants) {
  struct Case {
    Shape x;
    std::int64_t size;
    double alpha, beta, k;
  };
  const Case cases[] = {
      {{2, 5, 3, 2}, 5, 1e-1, 0.75, 2.0},  // AlexNet's form, alpha raised so the sum matters
      {{1, 6, 2, 2}, 4, 0.5, 0.9, 1.0},    // even size: one more channel before than after
      {{1, 3, 2, 1}, 7, 1.0, 0.5, 0.5},    // window wider than the channels
      {{2, 4, 3}, 1, 2.0, 1.5, 1.0},       // rank 3, size 1: each channel alone
      {{1, 4, 2, 1, 2}, 3, 0.4, 0.6, 1.5},  // rank 5
  };
  std::uint64_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.x.str() + " size " + std::to_string(c.size));
    EXPECT_TRUE(gradcheck([c](const std::vector<Tensor>& in) { return local_response_norm(in[0], c.size, c.alpha, c.beta, c.k); },
                          {random64(c.x, seed++)}));
  }
}

TEST(LocalResponseNormOp, Float32MatchesFloat64) {
  const Tensor x64 = random64({2, 7, 4, 3}, 5);
  const Tensor y64 = local_response_norm(x64, 5, 0.2, 0.75, 2.0);
  const Tensor y32 = local_response_norm(x64.to(DType::f32), 5, 0.2, 0.75, 2.0);
  for (std::int64_t i = 0; i < y64.numel(); ++i)
    EXPECT_NEAR(y32.data<float>()[i], y64.data<double>()[i], 1e-6 * (1 + std::abs(y64.data<double>()[i])));
}

TEST(LocalResponseNormOp, Errors) {
  EXPECT_TRUE(throws_error_with([] { local_response_norm(zeros({2, 3}), 3); }, {"[N, C, ...] of rank 3 or more"}));
  EXPECT_TRUE(throws_error_with([] { local_response_norm(zeros({1, 3, 2, 2}), 0); }, {"size must be at least 1"}));
  EXPECT_TRUE(throws_error_with([] { local_response_norm(zeros({1, 3, 2, 2}, DType::i64), 3); }, {"float32 or float64"}));
  EXPECT_TRUE(throws_error_with([] { local_response_norm(zeros({1, 3, 2, 2}), 3, 1e-4, 0.75, 0.0); }, {"k must be > 0"}));
}

TEST(LocalResponseNormLayer, ForwardShapeAndErrors) {
  nn::LocalResponseNorm lrn({.size = 5, .alpha = 1e-4, .beta = 0.75, .k = 2});
  const Tensor x = random64({1, 8, 3, 3}, 3).to(DType::f32);
  const Tensor y = lrn(x);
  const Tensor expected = local_response_norm(x, 5, 1e-4, 0.75, 2);
  for (std::int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(y.data<float>()[i], expected.data<float>()[i]);
  EXPECT_EQ(lrn.output_shape({4, 8, 5, 5}), Shape({4, 8, 5, 5}));
  EXPECT_EQ(lrn.parameter_count(), 0);
  EXPECT_TRUE(throws_error_with([&] { lrn.output_shape({4, 8}); }, {"LocalResponseNorm expects [N, C, ...]"}));
  EXPECT_TRUE(throws_error_with([&] { lrn(zeros({4, 8})); }, {"LocalResponseNorm: local_response_norm"}));
  EXPECT_TRUE(throws_error_with([] { nn::LocalResponseNorm(0); }, {"LocalResponseNorm: size must be at least 1"}));
  EXPECT_TRUE(throws_error_with([] { nn::LocalResponseNorm({.size = 3, .k = -1}); }, {"LocalResponseNorm: k must be > 0"}));
}

}  // namespace
}  // namespace soma
