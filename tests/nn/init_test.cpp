// Tests for the initializers (src/nn/init.cpp): each one's bounds or standard deviation on a
// large tensor against torch.nn.init's formulas, fans of dense and convolution weights, the
// half-open uniform range in float32, reproducibility, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "soma/core/factory.h"
#include "soma/nn/dense.h"
#include "soma/nn/init.h"

namespace soma::nn {
namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};
Stats stats(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  const double* p = d.data<double>();
  Stats s{0, 0, p[0], p[0]};
  for (std::int64_t i = 0; i < d.numel(); ++i) {
    s.mean += p[i];
    s.min = std::min(s.min, p[i]);
    s.max = std::max(s.max, p[i]);
  }
  s.mean /= double(d.numel());
  for (std::int64_t i = 0; i < d.numel(); ++i) s.std += (p[i] - s.mean) * (p[i] - s.mean);
  s.std = std::sqrt(s.std / double(d.numel()));
  return s;
}

// A [500, 400] weight: fan_in 400, fan_out 500, 200k elements (std of the sample std ~0.16%).
Tensor weight(DType dtype = DType::f32) { return Tensor({500, 400}, dtype); }

void expect_uniform(const Tensor& t, double bound) {
  const Stats s = stats(t);
  EXPECT_GE(s.min, -bound);
  EXPECT_LT(s.max, bound);
  EXPECT_LT(s.min, -0.99 * bound);
  EXPECT_GT(s.max, 0.99 * bound);
  EXPECT_NEAR(s.mean, 0, 0.01 * bound);
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.01 * bound / std::sqrt(3.0));
}

void expect_normal(const Tensor& t, double std) {
  const Stats s = stats(t);
  EXPECT_NEAR(s.mean, 0, 0.01 * std);
  EXPECT_NEAR(s.std, std, 0.01 * std);
}

TEST(NnInit, ZerosAndConstantWriteEveryElement) {
  Tensor t = full({3, 4}, 9);
  init::zeros_(t);
  EXPECT_EQ(stats(t).min, 0);
  EXPECT_EQ(stats(t).max, 0);
  Tensor d({5}, DType::f64);
  init::constant_(d, -0.25);
  EXPECT_EQ(stats(d).min, -0.25);
  EXPECT_EQ(stats(d).max, -0.25);
}

TEST(NnInit, InitWritesInPlaceKeepingStorageAndRequiresGrad) {
  Tensor w = zeros({4, 4}).set_requires_grad();
  const Tensor same = w;
  Generator gen(1);
  init::normal_(w, 0, 1, gen);
  EXPECT_TRUE(w.shares_storage(same));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_NE(same.at({0, 0}), 0);
}

TEST(NnInit, NormalHasMeanAndStd) {
  Generator gen(2);
  Tensor t = weight();
  init::normal_(t, 1.5, 0.1, gen);
  const Stats s = stats(t);
  EXPECT_NEAR(s.mean, 1.5, 0.001);
  EXPECT_NEAR(s.std, 0.1, 0.001);
}

TEST(NnInit, UniformStaysInItsHalfOpenRange) {
  Generator gen(3);
  Tensor t = weight();
  init::uniform_(t, -0.5, 2, gen);
  const Stats s = stats(t);
  EXPECT_GE(s.min, -0.5);
  EXPECT_LT(s.max, 2);
  EXPECT_NEAR(s.mean, 0.75, 0.01);
  EXPECT_NEAR(s.std, 2.5 / std::sqrt(12.0), 0.01);
  // A float32 tensor must not receive high itself after rounding from float64.
  Tensor narrow({1000}, DType::f32);
  init::uniform_(narrow, 1, std::nextafter(1.0f, 2.0f), gen);
  EXPECT_EQ(stats(narrow).max, 1.0);
}

TEST(NnInit, XavierUniformBound) {
  Generator gen(4);
  Tensor t = weight();
  init::xavier_uniform_(t, 1, gen);
  expect_uniform(t, std::sqrt(6.0 / 900));
  Tensor g = weight(DType::f64);
  init::xavier_uniform_(g, 2, gen);
  expect_uniform(g, 2 * std::sqrt(6.0 / 900));
}

TEST(NnInit, XavierNormalStd) {
  Generator gen(5);
  Tensor t = weight();
  init::xavier_normal_(t, 1, gen);
  expect_normal(t, std::sqrt(2.0 / 900));
  init::xavier_normal_(t, 0.5, gen);
  expect_normal(t, 0.5 * std::sqrt(2.0 / 900));
}

TEST(NnInit, KaimingUniformBoundForEachFanAndSlope) {
  Generator gen(6);
  Tensor t = weight();
  init::kaiming_uniform_(t, 0, init::FanMode::fan_in, gen);
  expect_uniform(t, std::sqrt(2.0) * std::sqrt(3.0 / 400));
  init::kaiming_uniform_(t, 0, init::FanMode::fan_out, gen);
  expect_uniform(t, std::sqrt(2.0) * std::sqrt(3.0 / 500));
  // a = sqrt(5) is PyTorch Linear's default: the bound becomes 1/sqrt(fan_in).
  init::kaiming_uniform_(t, std::sqrt(5.0), init::FanMode::fan_in, gen);
  expect_uniform(t, 1 / std::sqrt(400.0));
}

TEST(NnInit, KaimingNormalStdForEachFanAndSlope) {
  Generator gen(7);
  Tensor t = weight(DType::f64);
  init::kaiming_normal_(t, 0, init::FanMode::fan_in, gen);
  expect_normal(t, std::sqrt(2.0 / 400));
  init::kaiming_normal_(t, 0, init::FanMode::fan_out, gen);
  expect_normal(t, std::sqrt(2.0 / 500));
  init::kaiming_normal_(t, 1, init::FanMode::fan_in, gen);  // slope 1: gain 1
  expect_normal(t, std::sqrt(1.0 / 400));
}

TEST(NnInit, FansOfDenseAndConvolutionWeights) {
  EXPECT_EQ(init::fans(Tensor({256, 784}, DType::f32)), (std::pair<double, double>{784, 256}));
  // Convolution [out, in, kh, kw]: the receptive field multiplies both fans.
  EXPECT_EQ(init::fans(Tensor({8, 4, 3, 5}, DType::f32)), (std::pair<double, double>{4 * 15, 8 * 15}));
  Generator gen(8);
  Tensor conv({64, 32, 3, 3}, DType::f32);
  init::kaiming_normal_(conv, 0, init::FanMode::fan_in, gen);
  expect_normal(conv, std::sqrt(2.0 / (32 * 9)));
}

TEST(NnInit, FansNeedTwoDimensions) {
  try {
    init::fans(Tensor({10}, DType::f32));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "init: fan in/out needs a weight with at least 2 dimensions, got shape [10]");
  }
  Tensor bias({10}, DType::f32);
  EXPECT_THROW(init::xavier_uniform_(bias), Error);
  EXPECT_THROW(init::kaiming_normal_(bias), Error);
  EXPECT_NO_THROW(init::normal_(bias));  // plain draws need no fans
}

TEST(NnInit, IntegerTensorsAreRejected) {
  Tensor labels = zeros({4, 4}, DType::i64);
  EXPECT_THROW(init::constant_(labels, 1), Error);
  EXPECT_THROW(init::normal_(labels), Error);
  EXPECT_THROW(init::uniform_(labels), Error);
  EXPECT_THROW(init::xavier_uniform_(labels), Error);
}

TEST(NnInit, SameGeneratorSeedGivesTheSameWeights) {
  Generator a(9), b(9);
  Tensor x = weight(), y = weight();
  init::kaiming_uniform_(x, 0, init::FanMode::fan_in, a);
  init::kaiming_uniform_(y, 0, init::FanMode::fan_in, b);
  EXPECT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.numel() * 4), 0);
  init::xavier_normal_(x, 1, a);
  init::xavier_normal_(y, 1, b);
  EXPECT_EQ(std::memcmp(x.raw_data(), y.raw_data(), x.numel() * 4), 0);
}

// The lectures re-initialize a layer's weights as N(0, 0.1): straight through weight().
TEST(NnInit, ReinitializesALayersParameterInPlace) {
  Dense dense(200, 100);
  Generator gen(3);
  init::normal_(dense.weight(), 0, 0.1, gen);
  init::zeros_(dense.bias());
  const Stats s = stats(dense.weight());
  EXPECT_NEAR(s.std, 0.1, 0.005);
  EXPECT_NEAR(s.mean, 0, 0.005);
  EXPECT_EQ(stats(dense.bias()).max, 0);
  EXPECT_TRUE(dense.weight().requires_grad());
}

}  // namespace
}  // namespace soma::nn
