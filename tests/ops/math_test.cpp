// Tests of include/soma/ops/math.h: exp, log, pow, sqrt, abs, clamp. Forward values by hand in
// float32 and float64, float64 gradchecks away from kinks and poles, the documented gradients
// at abs(0) and at clamp's bounds, PyTorch's domain behaviour (nan / -inf, never a throw), and
// 100k-element float32 inputs that take the OpenMP path, forward and backward.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::values_near;
using In = const std::vector<Tensor>&;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kE = std::exp(1.0);

// Float64 draws in [low, high), for ops defined on positives only.
Tensor uniform64(const Shape& shape, std::uint64_t seed, double low, double high) {
  Generator gen(seed);
  return uniform(shape, low, high, gen, DType::f64);
}

// ---- forward values ----

TEST(OpsMath, ExpAndLogValuesInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    EXPECT_TRUE(values_near(exp(tensor({0, 1, -1, 2}, dt)), {4}, dt, {1, kE, 1 / kE, kE * kE}));
    EXPECT_TRUE(values_near(log(tensor({1, kE, 0.5, 10}, dt)), {4}, dt, {0, 1, -0.69314718055994531, 2.3025850929940457}));
    EXPECT_TRUE(values_near(exp(scalar(0, dt)), {}, dt, {1}));
  }
}

TEST(OpsMath, PowValuesForIntegerFractionalNegativeAndZeroExponents) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, -3, 4}, dt);
    EXPECT_TRUE(values_near(pow(x, 2), {4}, dt, {1, 4, 9, 16}));
    EXPECT_TRUE(values_near(pow(x, 3), {4}, dt, {1, 8, -27, 64}));
    EXPECT_TRUE(values_near(pow(x, -1), {4}, dt, {1, 0.5, -1.0 / 3, 0.25}));
    EXPECT_TRUE(values_near(pow(x, 0), {4}, dt, {1, 1, 1, 1}));
    EXPECT_TRUE(values_near(pow(tensor({4, 9, 2}, dt), 0.5), {3}, dt, {2, 3, 1.4142135623730951}));
  }
}

TEST(OpsMath, SqrtAbsValuesInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    EXPECT_TRUE(values_near(sqrt(tensor({0, 1, 4, 2}, dt)), {4}, dt, {0, 1, 2, 1.4142135623730951}));
    EXPECT_TRUE(values_near(abs(tensor({{-1.5, 0}, {2, -7}}, dt)), {2, 2}, dt, {1.5, 0, 2, 7}));
  }
}

TEST(OpsMath, ClampLimitsToBoundsIncludingOneSidedClamps) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({-2, -1, 0, 0.5, 1, 3}, dt);
    EXPECT_TRUE(values_near(clamp(x, -1, 1), {6}, dt, {-1, -1, 0, 0.5, 1, 1}));
    EXPECT_TRUE(values_near(clamp(x, 0), {6}, dt, {0, 0, 0, 0.5, 1, 3}));
    EXPECT_TRUE(values_near(clamp(x, -kInf, 0.5), {6}, dt, {-2, -1, 0, 0.5, 0.5, 0.5}));
    EXPECT_TRUE(values_near(clamp(x), {6}, dt, {-2, -1, 0, 0.5, 1, 3}));
  }
}

TEST(OpsMath, ClampWithMinAboveMaxThrowsNamingBoth) {
  EXPECT_TRUE(test::throws_error_with([] { clamp(ones({2}), 2, 1); }, {"clamp", "2", "1"}));
}

TEST(OpsMath, DomainErrorsGiveNanOrMinusInfinityLikePyTorchWithoutThrowing) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({-1, 0, 4}, dt);
    Tensor root, logarithm, fractional;
    EXPECT_NO_THROW(root = sqrt(x));
    EXPECT_NO_THROW(logarithm = log(x));
    EXPECT_NO_THROW(fractional = pow(x, 0.5));
    EXPECT_TRUE(values_near(root, {3}, dt, {kNaN, 0, 2}));
    EXPECT_TRUE(values_near(logarithm, {3}, dt, {kNaN, -kInf, 1.3862943611198906}));
    EXPECT_TRUE(values_near(fractional, {3}, dt, {kNaN, 0, 2}));
    EXPECT_TRUE(values_near(pow(tensor({0}, dt), -1), {1}, dt, {kInf}));
  }
}

// ---- documented gradients at special points ----

TEST(OpsMath, AbsGradientIsSignWithZeroAtZero) {
  Tensor x = tensor({-2, 0, 3}, DType::f64).set_requires_grad();
  sum(abs(x)).backward();
  EXPECT_TRUE(values_near(x.grad(), {3}, DType::f64, {-1, 0, 1}));
}

TEST(OpsMath, ClampGradientIsOneInsideAndOnTheBoundsZeroOutside) {
  Tensor x = tensor({-2, -1, 0, 1, 2}, DType::f64).set_requires_grad();
  sum(clamp(x, -1, 1)).backward();
  EXPECT_TRUE(values_near(x.grad(), {5}, DType::f64, {0, 1, 1, 1, 0}));
}

TEST(OpsMath, PowGradientWithZeroExponentIsZero) {
  Tensor x = tensor({-2, 0, 3}, DType::f64).set_requires_grad();
  sum(pow(x, 0)).backward();
  EXPECT_TRUE(values_near(x.grad(), {3}, DType::f64, {0, 0, 0}));
}

TEST(OpsMath, LogGradientAtZeroIsInfinite) {
  // PyTorch: d log(x)/dx at 0 is 1/0 = inf; no throw.
  Tensor x = tensor({0, 2}, DType::f64).set_requires_grad();
  EXPECT_NO_THROW(sum(log(x)).backward());
  EXPECT_TRUE(values_near(x.grad(), {2}, DType::f64, {kInf, 0.5}));
}

// ---- gradchecks ----

TEST(OpsMath, GradcheckExpLogSqrt) {
  EXPECT_TRUE(gradcheck([](In in) { return exp(in[0]); }, {random64({3, 4}, 1)}));
  EXPECT_TRUE(gradcheck([](In in) { return log(in[0]); }, {uniform64({3, 4}, 2, 0.2, 3)}));
  EXPECT_TRUE(gradcheck([](In in) { return sqrt(in[0]); }, {uniform64({3, 4}, 3, 0.2, 3)}));
  EXPECT_TRUE(gradcheck([](In in) { return exp(in[0]); }, {random64({}, 4)}));
}

TEST(OpsMath, GradcheckPowForSeveralExponents) {
  const Tensor any = random64({2, 5}, 5);
  const Tensor positive = uniform64({2, 5}, 6, 0.3, 2.5);
  for (double p : {1.0, 2.0, 3.0, -1.0}) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(gradcheck([p](In in) { return pow(in[0], p); }, {test::away_from(any, 0, 0.3)}));
  }
  for (double p : {0.5, -1.5, 2.7}) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(gradcheck([p](In in) { return pow(in[0], p); }, {positive}));
  }
  EXPECT_TRUE(gradcheck([](In in) { return pow(in[0], 0); }, {any}));
}

TEST(OpsMath, GradcheckAbsAwayFromZero) {
  EXPECT_TRUE(gradcheck([](In in) { return abs(in[0]); }, {test::away_from(random64({3, 4}, 7), 0)}));
}

TEST(OpsMath, GradcheckClampAwayFromItsBounds) {
  const Tensor x = test::away_from(test::away_from(random64({4, 5}, 8), -0.5), 0.5);
  EXPECT_TRUE(gradcheck([](In in) { return clamp(in[0], -0.5, 0.5); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return clamp(in[0], -0.5); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return clamp(in[0], -kInf, 0.5); }, {x}));
}

// ---- large float32 inputs (the OpenMP path) ----

TEST(OpsMath, HundredThousandElementFloat32MatchesDoublePrecisionReference) {
  const std::int64_t n = 100'000;
  Generator gen(9);
  const Tensor x = uniform({n}, -3, 3, gen);
  const Tensor pos = uniform({n}, 0.1, 10, gen);
  const Tensor e = exp(x), l = log(pos), r = sqrt(pos), a = abs(x), p = pow(x, 3), c = clamp(x, -1, 2);
  const float *px = x.data<float>(), *pp = pos.data<float>();
  auto close = [](double got, double want) { return std::abs(got - want) <= 1e-6 * (1 + std::abs(want)); };
  int bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = px[i], w = pp[i];
    bad += !close(e.data<float>()[i], std::exp(v));
    bad += !close(l.data<float>()[i], std::log(w));
    bad += !close(r.data<float>()[i], std::sqrt(w));
    bad += !close(a.data<float>()[i], std::abs(v));
    bad += !close(p.data<float>()[i], v * v * v);
    bad += !close(c.data<float>()[i], std::min(std::max(v, -1.0), 2.0));
  }
  EXPECT_EQ(bad, 0);
}

TEST(OpsMath, HundredThousandElementFloat32BackwardWritesEveryElement) {
  const std::int64_t n = 100'000;
  Generator gen(10);
  Tensor x = uniform({n}, 0.5, 2, gen).set_requires_grad();
  // d/dx [exp(x) + log(x) + sqrt(x)] = exp(x) + 1/x + 1/(2 sqrt(x))
  sum(exp(x) + log(x) + sqrt(x)).backward();
  const float *px = x.data<float>(), *pg = x.grad().data<float>();
  int bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = px[i], want = std::exp(v) + 1 / v + 0.5 / std::sqrt(v);
    bad += !(std::abs(pg[i] - want) <= 1e-5 * want);
  }
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace soma
