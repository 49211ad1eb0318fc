// Tests of data::elastic_distortion (include/soma/data/elastic.h): alpha 0 is the identity, a
// constant image stays constant inside (bilinear weights sum to 1), the displacement grows with
// alpha and stays smooth with sigma, one field per example shared by its planes, the same
// generator state gives the same result, and the errors.
#include <gtest/gtest.h>

#include <cmath>

#include "data_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/elastic.h"

namespace soma {
namespace {

using data_test::same_bits;
using data_test::throws_with;

// A 28x28 image of smooth stripes (a diagonal ramp), N examples of C planes.
Tensor ramp(std::int64_t n, std::int64_t c, DType dtype = DType::f32) {
  Tensor x(Shape{n, c, 28, 28}, DType::f64);
  double* p = x.data<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = double((i % 28) + (i / 28) % 28) / 54.0;
  return x.to(dtype);
}

double mean_abs_difference(const Tensor& a, const Tensor& b) {
  const Tensor a64 = a.to(DType::f64), b64 = b.to(DType::f64);
  double sum = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) sum += std::abs(a64.data<double>()[i] - b64.data<double>()[i]);
  return sum / double(a.numel());
}

TEST(ElasticDistortion, AlphaZeroIsTheIdentity) {
  Generator gen(1);
  const Tensor x = ramp(3, 2);
  EXPECT_TRUE(same_bits(data::elastic_distortion({.alpha = 0})({x, Tensor()}, gen).x, x));
}

TEST(ElasticDistortion, ConstantImageStaysConstantAwayFromTheBorder) {
  Generator gen(2);
  Tensor x = ones({2, 1, 28, 28}, DType::f64);
  // sigma 4 keeps the smoothed field near 1/sqrt(pi * 4 * 16) ~ 0.07 per unit: alpha 8 moves
  // pixels by at most a few; the centre never samples outside the image.
  const Tensor y = data::elastic_distortion({.alpha = 8, .sigma = 4})({x, Tensor()}, gen).x;
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t r = 8; r < 20; ++r)
      for (std::int64_t c = 8; c < 20; ++c) EXPECT_NEAR(y.data<double>()[i * 784 + r * 28 + c], 1.0, 1e-12);
}

TEST(ElasticDistortion, DisplacementGrowsWithAlphaAndIsSharedByPlanes) {
  const Tensor x = ramp(4, 2, DType::f64);
  Generator g1(3), g2(3);
  const Tensor small = data::elastic_distortion({.alpha = 2, .sigma = 4})({x, Tensor()}, g1).x;
  const Tensor large = data::elastic_distortion({.alpha = 34, .sigma = 4})({x, Tensor()}, g2).x;
  const double d_small = mean_abs_difference(small, x), d_large = mean_abs_difference(large, x);
  EXPECT_GT(d_small, 0);
  EXPECT_GT(d_large, 5 * d_small);
  // Both planes of each example are equal in x, so they stay equal.
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t k = 0; k < 784; ++k)
      ASSERT_EQ(large.data<double>()[(2 * i) * 784 + k], large.data<double>()[(2 * i + 1) * 784 + k]);
  // Examples draw their own fields.
  double between = 0;
  for (std::int64_t k = 0; k < 784; ++k) between += std::abs(large.data<double>()[k] - large.data<double>()[2 * 784 + k]);
  EXPECT_GT(between, 0);
}

TEST(ElasticDistortion, SameGeneratorStateSameResultAndFloat32) {
  const Tensor x = ramp(2, 1);
  Generator a(5), b(5);
  const auto t = data::elastic_distortion();
  const Tensor ya = t({x, Tensor()}, a).x;
  EXPECT_TRUE(same_bits(ya, t({x, Tensor()}, b).x));
  EXPECT_EQ(ya.dtype(), DType::f32);
  EXPECT_EQ(ya.shape(), x.shape());
}

TEST(ElasticDistortion, Errors) {
  Generator gen(0);
  EXPECT_TRUE(throws_with([] { data::elastic_distortion({.alpha = -1}); }, {"elastic_distortion", "alpha must be >= 0"}));
  EXPECT_TRUE(throws_with([] { data::elastic_distortion({.sigma = 0}); }, {"elastic_distortion", "sigma must be > 0"}));
  const auto t = data::elastic_distortion();
  EXPECT_TRUE(throws_with([&] { t({zeros({4, 784}), Tensor()}, gen); }, {"elastic_distortion", "[N, ..., H, W]"}));
  EXPECT_TRUE(throws_with([&] { t({zeros({1, 1, 4, 4}, DType::i64), Tensor()}, gen); }, {"float32 or float64"}));
}

}  // namespace
}  // namespace soma
