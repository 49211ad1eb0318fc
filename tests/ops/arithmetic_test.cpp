// Tests of include/soma/ops/arithmetic.h: add, sub, mul, div, maximum, minimum, neg and the
// scalar operators. Forward values by hand in float32 and float64, float64 gradchecks over the
// broadcasting cases, the tie rule of maximum/minimum, IEEE division by zero, error messages
// (op and both shapes, both dtypes), and 100k-element float32 inputs that take the OpenMP path.
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

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
struct BinaryOp {
  const char* name;
  BinaryFn fn;
};
const BinaryOp kBinaryOps[] = {{"add", add}, {"sub", sub}, {"mul", mul},
                               {"div", div}, {"maximum", maximum}, {"minimum", minimum}};

// The smallest |a - b| over the broadcast pairs: maximum/minimum are kinked where a == b.
double min_gap(const Tensor& a, const Tensor& b) { return min(abs(sub(a, b))).item(); }

// Float64 normal draws rounded to multiples of 0.1, then shifted by `offset`: inputs drawn
// with offsets 0 and 0.05 are never closer than 0.05, so maximum/minimum see no ties.
Tensor on_grid(const Shape& shape, std::uint64_t seed, double offset) {
  Tensor t = random64(shape, seed);
  double* p = t.data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = std::round(p[i] * 10) / 10 + offset;
  return t;
}

// ---- forward values ----

TEST(OpsArithmetic, SameShapeValuesInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({{1, -2, 3}, {4, 5, -6}}, dt);
    const Tensor b = tensor({{2, 4, -1}, {0.5, 5, 3}}, dt);
    EXPECT_TRUE(values_near(add(a, b), {2, 3}, dt, {3, 2, 2, 4.5, 10, -3}));
    EXPECT_TRUE(values_near(sub(a, b), {2, 3}, dt, {-1, -6, 4, 3.5, 0, -9}));
    EXPECT_TRUE(values_near(mul(a, b), {2, 3}, dt, {2, -8, -3, 2, 25, -18}));
    EXPECT_TRUE(values_near(div(a, b), {2, 3}, dt, {0.5, -0.5, -3, 8, 1, -2}));
    EXPECT_TRUE(values_near(maximum(a, b), {2, 3}, dt, {2, 4, 3, 4, 5, 3}));
    EXPECT_TRUE(values_near(minimum(a, b), {2, 3}, dt, {1, -2, -1, 0.5, 5, -6}));
    EXPECT_TRUE(values_near(neg(a), {2, 3}, dt, {-1, 2, -3, -4, -5, 6}));
    EXPECT_TRUE(values_near(-a, {2, 3}, dt, {-1, 2, -3, -4, -5, 6}));
    EXPECT_TRUE(values_near(a + b, {2, 3}, dt, {3, 2, 2, 4.5, 10, -3}));
    EXPECT_TRUE(values_near(a - b, {2, 3}, dt, {-1, -6, 4, 3.5, 0, -9}));
    EXPECT_TRUE(values_near(a * b, {2, 3}, dt, {2, -8, -3, 2, 25, -18}));
    EXPECT_TRUE(values_near(a / b, {2, 3}, dt, {0.5, -0.5, -3, 8, 1, -2}));
  }
}

TEST(OpsArithmetic, RowVectorBroadcastsOverRows) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}, dt);  // [2, 3]
    const Tensor b = tensor({10, 20, 30}, dt);            // [3]
    EXPECT_TRUE(values_near(add(a, b), {2, 3}, dt, {11, 22, 33, 14, 25, 36}));
    EXPECT_TRUE(values_near(sub(b, a), {2, 3}, dt, {9, 18, 27, 6, 15, 24}));
    EXPECT_TRUE(values_near(mul(a, b), {2, 3}, dt, {10, 40, 90, 40, 100, 180}));
    EXPECT_TRUE(values_near(div(a, b), {2, 3}, dt, {0.1, 0.1, 0.1, 0.4, 0.25, 0.2}));
    const Tensor c = tensor({2.5, 0, 7}, dt);
    EXPECT_TRUE(values_near(maximum(a, c), {2, 3}, dt, {2.5, 2, 7, 4, 5, 7}));
    EXPECT_TRUE(values_near(minimum(c, a), {2, 3}, dt, {1, 0, 3, 2.5, 0, 6}));
  }
}

TEST(OpsArithmetic, ColumnAndRowBroadcastToOuterProductShape) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor col = tensor({1, 2, 3}, {3, 1}, dt);
    const Tensor row = tensor({10, 20, 30, 40}, {1, 4}, dt);
    EXPECT_TRUE(values_near(add(col, row), {3, 4}, dt, {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
    EXPECT_TRUE(values_near(mul(row, col), {3, 4}, dt, {10, 20, 30, 40, 20, 40, 60, 80, 30, 60, 90, 120}));
    EXPECT_TRUE(values_near(sub(col, row), {3, 4}, dt, {-9, -19, -29, -39, -8, -18, -28, -38, -7, -17, -27, -37}));
  }
}

TEST(OpsArithmetic, ZeroDimScalarBroadcastsOverMatrix) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor s = scalar(2, dt);
    const Tensor m = tensor({{1, 2, 3}, {4, 5, 6}}, dt);
    EXPECT_TRUE(values_near(add(s, m), {2, 3}, dt, {3, 4, 5, 6, 7, 8}));
    EXPECT_TRUE(values_near(div(s, m), {2, 3}, dt, {2, 1, 2.0 / 3, 0.5, 0.4, 1.0 / 3}));
    EXPECT_TRUE(values_near(sub(m, s), {2, 3}, dt, {-1, 0, 1, 2, 3, 4}));
    EXPECT_TRUE(values_near(maximum(m, s), {2, 3}, dt, {2, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(values_near(add(s, s), {}, dt, {4}));
  }
}

TEST(OpsArithmetic, ThreeDimWithTwoDimBroadcastsBothWays) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({1, 2, 3, 4, 5, 6, 7, 8}, {2, 1, 4}, dt);
    const Tensor b = tensor({100, 200, 300}, {3, 1}, dt);
    std::vector<double> expected;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) expected.push_back((i * 4 + k + 1) + 100.0 * (j + 1));
    EXPECT_TRUE(values_near(add(a, b), {2, 3, 4}, dt, expected));
    EXPECT_TRUE(values_near(add(b, a), {2, 3, 4}, dt, expected));
  }
}

TEST(OpsArithmetic, ScalarOperatorsKeepTheTensorDtype) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, 4}, dt);
    EXPECT_TRUE(values_near(x + 2.0, {3}, dt, {3, 4, 6}));
    EXPECT_TRUE(values_near(x - 2.0, {3}, dt, {-1, 0, 2}));
    EXPECT_TRUE(values_near(x * 2.0, {3}, dt, {2, 4, 8}));
    EXPECT_TRUE(values_near(x / 2.0, {3}, dt, {0.5, 1, 2}));
    EXPECT_TRUE(values_near(2.0 + x, {3}, dt, {3, 4, 6}));
    EXPECT_TRUE(values_near(1.0 - x, {3}, dt, {0, -1, -3}));
    EXPECT_TRUE(values_near(3.0 * x, {3}, dt, {3, 6, 12}));
    EXPECT_TRUE(values_near(2.0 / x, {3}, dt, {2, 1, 0.5}));
  }
}

TEST(OpsArithmetic, DivisionByZeroFollowsIeeeWithoutThrowing) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({1, -1, 0, 3}, dt);
    const Tensor b = tensor({0, 0, 0, 0}, dt);
    Tensor y;
    EXPECT_NO_THROW(y = div(a, b));
    EXPECT_TRUE(values_near(y, {4}, dt, {kInf, -kInf, kNaN, kInf}));
    EXPECT_TRUE(values_near(a / 0.0, {4}, dt, {kInf, -kInf, kNaN, kInf}));
  }
}

TEST(OpsArithmetic, MaximumAndMinimumPropagateNanFromEitherSideLikePyTorch) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({kNaN, 1, 2}, dt), b = tensor({1, kNaN, 0}, dt);
    EXPECT_TRUE(values_near(maximum(a, b), {3}, dt, {kNaN, kNaN, 2}));
    EXPECT_TRUE(values_near(minimum(a, b), {3}, dt, {kNaN, kNaN, 0}));
  }
}

// ---- gradients ----

TEST(OpsArithmetic, BroadcastGradientsSumBackToEachInputShape) {
  Tensor a = ones({3, 4}, DType::f64).set_requires_grad();
  Tensor b = tensor({1, 2, 3, 4}, DType::f64).set_requires_grad();
  sum(add(a, b)).backward();
  EXPECT_TRUE(values_near(b.grad(), {4}, DType::f64, {3, 3, 3, 3}));
  EXPECT_TRUE(values_near(a.grad(), {3, 4}, DType::f64, std::vector<double>(12, 1.0)));

  Tensor s = scalar(2, DType::f64).set_requires_grad();
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}}, DType::f64).set_requires_grad();
  sum(mul(s, m)).backward();
  EXPECT_TRUE(values_near(s.grad(), {}, DType::f64, {21}));
  EXPECT_TRUE(values_near(m.grad(), {2, 3}, DType::f64, std::vector<double>(6, 2.0)));
}

TEST(OpsArithmetic, MaximumAndMinimumSplitTheGradientInHalvesAtTies) {
  Tensor a = tensor({1, 2, 3}, DType::f64).set_requires_grad();
  Tensor b = tensor({1, 0, 5}, DType::f64).set_requires_grad();
  sum(maximum(a, b)).backward();
  EXPECT_TRUE(values_near(a.grad(), {3}, DType::f64, {0.5, 1, 0}));
  EXPECT_TRUE(values_near(b.grad(), {3}, DType::f64, {0.5, 0, 1}));

  a.zero_grad();
  b.zero_grad();
  sum(minimum(a, b)).backward();
  EXPECT_TRUE(values_near(a.grad(), {3}, DType::f64, {0.5, 0, 1}));
  EXPECT_TRUE(values_near(b.grad(), {3}, DType::f64, {0.5, 1, 0}));
}

// Input pairs for the broadcasting gradchecks: same shape, [3,4]+[4] both ways, [3,1]+[1,4],
// 0-dim scalar with [2,3] both ways, [2,1,4]+[3,1] both ways.
std::vector<std::pair<Shape, Shape>> broadcast_cases() {
  return {{{3, 4}, {3, 4}}, {{3, 4}, {4}},    {{4}, {3, 4}},       {{3, 1}, {1, 4}},
          {{}, {2, 3}},     {{2, 3}, {}},     {{2, 1, 4}, {3, 1}}, {{3, 1}, {2, 1, 4}}};
}

TEST(OpsArithmetic, GradcheckAddSubMulOverBroadcastCases) {
  for (const auto& op : {kBinaryOps[0], kBinaryOps[1], kBinaryOps[2]})
    for (const auto& [sa, sb] : broadcast_cases()) {
      SCOPED_TRACE(::testing::Message() << op.name << " " << sa << " with " << sb);
      const auto fn = op.fn;
      EXPECT_TRUE(gradcheck([fn](const std::vector<Tensor>& in) { return fn(in[0], in[1]); },
                            {random64(sa, 1), random64(sb, 2)}));
    }
}

TEST(OpsArithmetic, GradcheckDivOverBroadcastCases) {
  for (const auto& [sa, sb] : broadcast_cases()) {
    SCOPED_TRACE(::testing::Message() << sa << " / " << sb);
    // The denominator stays at least 0.5 away from the pole at 0.
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return div(in[0], in[1]); },
                          {random64(sa, 3), test::away_from(random64(sb, 4), 0, 0.5)}));
  }
}

TEST(OpsArithmetic, GradcheckMaximumMinimumOverBroadcastCases) {
  for (const auto& op : {kBinaryOps[4], kBinaryOps[5]})
    for (const auto& [sa, sb] : broadcast_cases()) {
      SCOPED_TRACE(::testing::Message() << op.name << " " << sa << " with " << sb);
      const Tensor a = on_grid(sa, 5, 0), b = on_grid(sb, 6, 0.05);
      ASSERT_GT(min_gap(a, b), 0.04) << "inputs too close to a tie";
      const auto fn = op.fn;
      EXPECT_TRUE(gradcheck([fn](const std::vector<Tensor>& in) { return fn(in[0], in[1]); }, {a, b}));
    }
}

TEST(OpsArithmetic, GradcheckNegAndScalarOperators) {
  const Tensor x = random64({3, 4}, 8);
  const Tensor nonzero = test::away_from(x, 0, 0.5);
  using In = const std::vector<Tensor>&;
  EXPECT_TRUE(gradcheck([](In in) { return neg(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return -in[0]; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return in[0] + 3.0; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return in[0] - 3.0; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return in[0] * 2.0; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return in[0] / 4.0; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return 3.0 + in[0]; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return 1.0 - in[0]; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return 2.0 * in[0]; }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return 2.0 / in[0]; }, {nonzero}));
}

TEST(OpsArithmetic, GradcheckOneTensorOnBothSidesOfAnOp) {
  // x * x and x - x: both gradient paths reach the same leaf and must add up.
  using In = const std::vector<Tensor>&;
  EXPECT_TRUE(gradcheck([](In in) { return mul(in[0], in[0]); }, {random64({2, 3}, 9)}));
  EXPECT_TRUE(gradcheck([](In in) { return add(mul(in[0], in[1]), in[0]); }, {random64({2, 3}, 10), random64({3}, 11)}));
}

// ---- errors ----

TEST(OpsArithmetic, BroadcastMismatchNamesTheOpAndBothShapes) {
  const Tensor a = ones({3, 4}), b = ones({5});
  for (const auto& op : kBinaryOps) {
    SCOPED_TRACE(op.name);
    EXPECT_TRUE(test::throws_error_with([&] { op.fn(a, b); }, {op.name, "[3, 4]", "[5]"}));
  }
  EXPECT_TRUE(test::throws_error_with([] { ones({2, 1, 4}) + ones({3, 2}); }, {"add", "[2, 1, 4]", "[3, 2]"}));
}

TEST(OpsArithmetic, DtypeMismatchNamesTheOpAndBothDtypes) {
  const Tensor a = ones({2, 2}, DType::f32), b = ones({2, 2}, DType::f64);
  for (const auto& op : kBinaryOps) {
    SCOPED_TRACE(op.name);
    EXPECT_TRUE(test::throws_error_with([&] { op.fn(a, b); }, {op.name, "float32", "float64"}));
  }
}

// ---- large float32 inputs (the OpenMP path of the elementwise kernels) ----

TEST(OpsArithmetic, HundredThousandElementFloat32MatchesScalarLoop) {
  const std::int64_t n = 100'000;
  Generator gen(3);
  const Tensor a = normal({n}, 0, 1, gen);
  const Tensor b = uniform({n}, 0.5, 2, gen);
  const Tensor sum_ab = add(a, b), diff = sub(a, b), prod = mul(a, b), quot = div(a, b);
  const Tensor hi = maximum(a, b), lo = minimum(a, b), negated = neg(a);
  const float *pa = a.data<float>(), *pb = b.data<float>();
  int bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    bad += sum_ab.data<float>()[i] != pa[i] + pb[i];
    bad += diff.data<float>()[i] != pa[i] - pb[i];
    bad += prod.data<float>()[i] != pa[i] * pb[i];
    bad += quot.data<float>()[i] != pa[i] / pb[i];
    bad += hi.data<float>()[i] != std::max(pa[i], pb[i]);
    bad += lo.data<float>()[i] != std::min(pa[i], pb[i]);
    bad += negated.data<float>()[i] != -pa[i];
  }
  EXPECT_EQ(bad, 0);
}

TEST(OpsArithmetic, HundredThousandElementBroadcastAndBackwardMatchScalarLoop) {
  const std::int64_t rows = 1000, cols = 100;
  Generator gen(4);
  Tensor a = normal({rows, cols}, 0, 1, gen).set_requires_grad();
  Tensor b = normal({cols}, 0, 1, gen).set_requires_grad();
  const Tensor y = mul(a, b);
  sum(y * 2.0).backward();
  const float *pa = a.data<float>(), *pb = b.data<float>(), *py = y.data<float>();
  const float *ga = a.grad().data<float>(), *gb = b.grad().data<float>();
  int bad = 0;
  double max_err_b = 0;
  for (std::int64_t j = 0; j < cols; ++j) {
    double expected_gb = 0;
    for (std::int64_t i = 0; i < rows; ++i) {
      bad += py[i * cols + j] != pa[i * cols + j] * pb[j];
      bad += ga[i * cols + j] != 2 * pb[j];
      expected_gb += 2.0 * pa[i * cols + j];
    }
    max_err_b = std::max(max_err_b, std::abs(gb[j] - expected_gb));
  }
  EXPECT_EQ(bad, 0);
  EXPECT_LT(max_err_b, 1e-3);
}

}  // namespace
}  // namespace soma
