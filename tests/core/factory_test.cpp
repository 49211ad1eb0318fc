// Tests for the creation functions (src/core/factory.cpp): constants, data, ranges and
// random draws — values, dtypes, the statistics of each distribution over many draws, the
// half-open range of uniform, reproducibility from a seed, and every argument error.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/factory.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::values;
using test::error_message;

// Mean and population standard deviation of every element (any dtype).
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

TEST(TensorFactory, ConstantsHaveShapeDtypeAndValue) {
  const Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), DType::f32);
  EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(values(ones({4}, DType::f64)), std::vector<double>(4, 1.0));
  EXPECT_EQ(ones({4}, DType::f64).dtype(), DType::f64);
  EXPECT_EQ(values(full({2, 2}, -2.5)), std::vector<double>(4, -2.5));
  EXPECT_EQ(values(full({3}, 7, DType::i64)), std::vector<double>(3, 7.0));
  EXPECT_EQ(zeros({2}, DType::i64).dtype(), DType::i64);
  const Tensor s = scalar(4.25, DType::f64);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item(), 4.25);
}

TEST(TensorFactory, LikeFunctionsCopyShapeAndDtype) {
  const Tensor t = full({3, 1}, 9, DType::f64);
  for (const Tensor& u : {empty_like(t), zeros_like(t), ones_like(t)}) {
    EXPECT_EQ(u.shape(), t.shape());
    EXPECT_EQ(u.dtype(), DType::f64);
    EXPECT_FALSE(u.shares_storage(t));
  }
  EXPECT_EQ(values(zeros_like(t)), std::vector<double>(3, 0.0));
  EXPECT_EQ(values(ones_like(t)), std::vector<double>(3, 1.0));
}

TEST(TensorFactory, EmptyShapeGivesZeroElements) {
  const Tensor t = zeros({0, 5});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.shape(), (Shape{0, 5}));
}

TEST(TensorFactory, TensorFromValuesRowsAndShape) {
  EXPECT_EQ(values(tensor({1, 2, 3})), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(tensor({1, 2, 3}).shape(), Shape{3});
  const Tensor m = tensor({{1, 2, 3}, {4, 5, 6}}, DType::f64);
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.dtype(), DType::f64);
  EXPECT_EQ(m.at({1, 0}), 4);
  const Tensor c = tensor({0, 1}, {2, 1});
  EXPECT_EQ(c.shape(), (Shape{2, 1}));
  EXPECT_EQ(c.at({1, 0}), 1);
  EXPECT_EQ(values(tensor({1.9, -1.9}, DType::i64)), (std::vector<double>{1, -1}));
}

TEST(TensorFactory, TensorErrorsNameCountsAndShapes) {
  EXPECT_EQ(error_message([] { tensor({1, 2, 3}, {2, 2}); }), "from_data: 3 values do not fill shape [2, 2] (4 elements)");
  EXPECT_EQ(error_message([] { tensor({{1, 2}, {3}}); }), "tensor: row 1 has 1 values but the first row has 2");
}

TEST(TensorFactory, FromDataKeepsRowMajorOrderForEveryElementType) {
  const std::vector<double> d{1, 2, 3, 4, 5, 6};
  const Tensor a = from_data(d, {2, 3}, DType::f64);
  EXPECT_EQ(a.at({0, 2}), 3);
  EXPECT_EQ(a.at({1, 0}), 4);
  const std::vector<float> f{0.5f, 1.5f};
  const Tensor b = from_data(f, {2});
  EXPECT_EQ(b.dtype(), DType::f32);
  EXPECT_EQ(b.at({1}), 1.5);
  const std::vector<std::int64_t> i{(std::int64_t(1) << 40) + 1, -3};
  const Tensor c = from_data(i, {1, 2});
  EXPECT_EQ(c.dtype(), DType::i64);
  EXPECT_EQ(c.data<std::int64_t>()[0], (std::int64_t(1) << 40) + 1);  // exact, not via float
  EXPECT_THROW(from_data(i, {3}), Error);
  EXPECT_THROW(from_data(f, {1}), Error);
}

TEST(TensorFactory, ArangeFollowsTorchSemantics) {
  EXPECT_EQ(values(arange(5)), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(values(arange(1, 2, 0.25)), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(values(arange(5, 0, -2)), (std::vector<double>{5, 3, 1}));
  EXPECT_EQ(values(arange(0, 1, 0.3)), (std::vector<double>{0, 0.3f, 0.6f, 0.9f}));
  EXPECT_EQ(arange(3, 3).numel(), 0);
  EXPECT_EQ(arange(3, 1).numel(), 0);  // wrong direction: empty, like torch
  EXPECT_EQ(arange(4, DType::i64).dtype(), DType::i64);
  EXPECT_EQ(error_message([] { arange(0, 1, 0); }), "arange: step must be non-zero");
}

TEST(TensorFactory, EyeIsTheIdentity) {
  const Tensor e = eye(3, DType::f64);
  EXPECT_EQ(e.shape(), (Shape{3, 3}));
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t j = 0; j < 3; ++j) EXPECT_EQ(e.at({i, j}), i == j ? 1 : 0);
  EXPECT_EQ(eye(0).numel(), 0);
  EXPECT_THROW(eye(-1), Error);
}

TEST(TensorFactory, UniformHasRangeMeanAndVariance) {
  Generator gen(11);
  const Tensor u = uniform({100000}, -2, 6, gen, DType::f64);
  const Stats s = stats(u);
  EXPECT_GE(s.min, -2);
  EXPECT_LT(s.max, 6);
  EXPECT_NEAR(s.mean, 2, 0.05);                     // std error 8/sqrt(12)/sqrt(1e5) = 0.007
  EXPECT_NEAR(s.std, 8 / std::sqrt(12.0), 0.02);   // 2.309
  EXPECT_LT(s.min, -1.99);                          // it covers the range
  EXPECT_GT(s.max, 5.99);
}

TEST(TensorFactory, UniformNeverReturnsHighAfterRounding) {
  // [1, next float after 1): low + (high - low) * u rounds to high in float32 for u >= 0.5.
  const double high = std::nextafter(1.0f, 2.0f);
  Generator gen(3);
  const Tensor u = uniform({10000}, 1.0, high, gen, DType::f32);
  for (float v : std::vector<float>(u.data<float>(), u.data<float>() + u.numel())) {
    ASSERT_GE(v, 1.0f);
    ASSERT_LT(v, float(high));
  }
  // The same holds for a plain [0, 1) draw in float32 and for float64.
  const Tensor v = uniform({200000}, 0, 1, gen, DType::f32);
  EXPECT_LT(stats(v).max, 1.0);
  const Tensor w = uniform({1000}, 1, std::nextafter(1.0, 2.0), gen, DType::f64);
  EXPECT_EQ(stats(w).max, 1.0);
}

TEST(TensorFactory, UniformWithEqualBoundsIsConstantAndReversedBoundsThrow) {
  Generator gen(1);
  EXPECT_EQ(values(uniform({3}, 2, 2, gen)), std::vector<double>(3, 2.0));
  EXPECT_EQ(error_message([&] { uniform({3}, 1, 0, gen); }), "uniform: low (1) must not exceed high (0)");
}

TEST(TensorFactory, NormalHasMeanAndStd) {
  Generator gen(5);
  const Stats s = stats(normal({100000}, 3, 0.5, gen, DType::f64));
  EXPECT_NEAR(s.mean, 3, 0.01);  // std error 0.0016
  EXPECT_NEAR(s.std, 0.5, 0.01);
  EXPECT_EQ(normal({4}, 1, 1, gen, DType::f64).dtype(), DType::f64);
  EXPECT_EQ(values(normal({3}, -1, 0, gen)), std::vector<double>(3, -1.0));
  EXPECT_EQ(error_message([&] { normal({3}, 0, -1, gen); }), "normal: std must be non-negative, got -1");
}

TEST(TensorFactory, BernoulliDrawsZerosAndOnesWithProbabilityP) {
  Generator gen(9);
  const Tensor b = bernoulli({100000}, 0.3, gen);
  for (double v : values(b)) ASSERT_TRUE(v == 0 || v == 1);
  EXPECT_NEAR(stats(b).mean, 0.3, 0.006);  // std error 0.0014
  EXPECT_EQ(values(bernoulli({100}, 0, gen)), std::vector<double>(100, 0.0));
  EXPECT_EQ(values(bernoulli({100}, 1, gen)), std::vector<double>(100, 1.0));
  EXPECT_EQ(error_message([&] { bernoulli({3}, 1.5, gen); }), "bernoulli: p must be in [0, 1], got 1.5");
  EXPECT_THROW(bernoulli({3}, -0.1, gen), Error);
  EXPECT_THROW(bernoulli({3}, std::nan(""), gen), Error);
}

TEST(TensorFactory, BernoulliFromProbabilitiesIsElementwise) {
  Generator gen(2);
  const Tensor probs = tensor({0, 1, 0, 1, 0.5}, DType::f64);
  const Tensor b = bernoulli(probs, gen);
  EXPECT_EQ(b.dtype(), DType::f64);
  EXPECT_EQ(b.at({0}), 0);
  EXPECT_EQ(b.at({1}), 1);
  EXPECT_EQ(b.at({2}), 0);
  EXPECT_EQ(b.at({3}), 1);
  const Tensor half = bernoulli(full({50000}, 0.25), gen);
  EXPECT_NEAR(stats(half).mean, 0.25, 0.01);
  EXPECT_THROW(bernoulli(zeros({2}, DType::i64), gen), Error);
}

TEST(TensorFactory, SameSeedGivesSameRandomTensors) {
  Generator a(42), b(42), c(43);
  const Tensor x = normal({64}, 0, 1, a), y = normal({64}, 0, 1, b), z = normal({64}, 0, 1, c);
  EXPECT_EQ(values(x), values(y));
  EXPECT_NE(values(x), values(z));
  EXPECT_EQ(values(uniform({64}, 0, 1, a)), values(uniform({64}, 0, 1, b)));
}

TEST(TensorFactory, ManualSeedResetsTheDefaultGenerator) {
  manual_seed(123);
  const Tensor x = normal({16});
  const Tensor u = uniform({16});
  manual_seed(123);
  EXPECT_EQ(values(normal({16})), values(x));
  EXPECT_EQ(values(uniform({16})), values(u));
}

}  // namespace
}  // namespace soma
