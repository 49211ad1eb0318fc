// Tests of include/soma/ops/reduction.h: sum, mean, max, min (over all elements or one axis,
// with and without keepdim, negative axes included) and argmax. Forward values by hand in
// float32 and float64, the first-maximum rule at ties, float64 gradchecks of every reduction
// over every axis of a 3-D tensor, bad-axis and empty-input errors, and float32 accuracy on
// large inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::values_near;
using In = const std::vector<Tensor>&;

// 0, 1, ..., n-1 in `shape` (row-major), as `dtype`.
Tensor iota(const Shape& shape, DType dtype) {
  std::vector<double> v(shape.numel());
  std::iota(v.begin(), v.end(), 0.0);
  return from_data(v, shape, dtype);
}

// Float64 tensor of distinct values 0.25 apart in a seeded random order: max/min have a unique
// winner in every lane, at least 0.25 ahead, so the gradcheck never crosses a tie.
Tensor distinct64(const Shape& shape, std::uint64_t seed) {
  std::vector<double> v(shape.numel());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.25 * double(i) - 0.125 * double(v.size());
  Generator gen(seed);
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[gen.below(i)]);
  return from_data(v, shape, DType::f64);
}

// ---- forward values ----

TEST(OpsReduction, SumAndMeanOfMatrixInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{1, 5, 3}, {4, 2, 6}}, dt);
    EXPECT_TRUE(values_near(sum(x), {}, dt, {21}));
    EXPECT_TRUE(values_near(sum(x, 0), {3}, dt, {5, 7, 9}));
    EXPECT_TRUE(values_near(sum(x, 1), {2}, dt, {9, 12}));
    EXPECT_TRUE(values_near(sum(x, -1), {2}, dt, {9, 12}));
    EXPECT_TRUE(values_near(sum(x, -2, true), {1, 3}, dt, {5, 7, 9}));
    EXPECT_TRUE(values_near(sum(x, 1, true), {2, 1}, dt, {9, 12}));
    EXPECT_TRUE(values_near(mean(x), {}, dt, {3.5}));
    EXPECT_TRUE(values_near(mean(x, 0), {3}, dt, {2.5, 3.5, 4.5}));
    EXPECT_TRUE(values_near(mean(x, -1, true), {2, 1}, dt, {3, 4}));
  }
}

TEST(OpsReduction, MaxMinOfMatrixInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{1, 5, 3}, {4, 2, 6}}, dt);
    EXPECT_TRUE(values_near(max(x), {}, dt, {6}));
    EXPECT_TRUE(values_near(min(x), {}, dt, {1}));
    EXPECT_TRUE(values_near(max(x, 0), {3}, dt, {4, 5, 6}));
    EXPECT_TRUE(values_near(max(x, -1, true), {2, 1}, dt, {5, 6}));
    EXPECT_TRUE(values_near(min(x, 0, true), {1, 3}, dt, {1, 2, 3}));
    EXPECT_TRUE(values_near(min(x, 1), {2}, dt, {1, 2}));
  }
}

TEST(OpsReduction, ArgmaxGivesInt64IndicesOverAllAndEachAxis) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{1, 5, 3}, {4, 2, 6}}, dt);
    EXPECT_TRUE(values_near(argmax(x), {}, DType::i64, {5}));
    EXPECT_TRUE(values_near(argmax(x, 0), {3}, DType::i64, {1, 0, 1}));
    EXPECT_TRUE(values_near(argmax(x, 1), {2}, DType::i64, {1, 2}));
    EXPECT_TRUE(values_near(argmax(x, -1, true), {2, 1}, DType::i64, {1, 2}));
    EXPECT_TRUE(values_near(argmax(x, -2, true), {1, 3}, DType::i64, {1, 0, 1}));
  }
}

TEST(OpsReduction, EveryAxisOfThreeDimTensorWithAndWithoutKeepdim) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = iota({2, 3, 4}, dt);  // x[n, j, k] = 12 n + 4 j + k
    const std::vector<double> over0 = {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34};
    const std::vector<double> over1 = {12, 15, 18, 21, 48, 51, 54, 57};
    const std::vector<double> over2 = {6, 22, 38, 54, 70, 86};
    EXPECT_TRUE(values_near(sum(x, 0), {3, 4}, dt, over0));
    EXPECT_TRUE(values_near(sum(x, -3, true), {1, 3, 4}, dt, over0));
    EXPECT_TRUE(values_near(sum(x, 1), {2, 4}, dt, over1));
    EXPECT_TRUE(values_near(sum(x, -2, true), {2, 1, 4}, dt, over1));
    EXPECT_TRUE(values_near(sum(x, 2), {2, 3}, dt, over2));
    EXPECT_TRUE(values_near(sum(x, -1, true), {2, 3, 1}, dt, over2));
    EXPECT_TRUE(values_near(mean(x, 1), {2, 4}, dt, {4, 5, 6, 7, 16, 17, 18, 19}));
    EXPECT_TRUE(values_near(max(x, 1), {2, 4}, dt, {8, 9, 10, 11, 20, 21, 22, 23}));
    EXPECT_TRUE(values_near(min(x, 0), {3, 4}, dt, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    EXPECT_TRUE(values_near(argmax(x, 1), {2, 4}, DType::i64, {2, 2, 2, 2, 2, 2, 2, 2}));
    EXPECT_TRUE(values_near(sum(x), {}, dt, {276}));
    EXPECT_TRUE(values_near(max(x), {}, dt, {23}));
  }
}

TEST(OpsReduction, ReductionsOfZeroDimTensorReturnIt) {
  const Tensor s = scalar(-2.5, DType::f64);
  EXPECT_TRUE(values_near(sum(s), {}, DType::f64, {-2.5}));
  EXPECT_TRUE(values_near(mean(s), {}, DType::f64, {-2.5}));
  EXPECT_TRUE(values_near(max(s), {}, DType::f64, {-2.5}));
  EXPECT_TRUE(values_near(min(s), {}, DType::f64, {-2.5}));
  EXPECT_TRUE(values_near(argmax(s), {}, DType::i64, {0}));
}

TEST(OpsReduction, MaxMinArgmaxPropagateNanLikePyTorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    EXPECT_TRUE(values_near(max(tensor({1, nan, 3}, dt)), {}, dt, {nan}));
    EXPECT_TRUE(values_near(min(tensor({1, nan, 3}, dt)), {}, dt, {nan}));
    EXPECT_TRUE(values_near(max(tensor({nan, 5}, dt)), {}, dt, {nan}));
    EXPECT_TRUE(values_near(argmax(tensor({1, nan, 3}, dt)), {}, DType::i64, {1}));
    const Tensor m = tensor({{1, nan}, {2, 0}}, dt);
    EXPECT_TRUE(values_near(max(m, 0), {2}, dt, {2, nan}));
    EXPECT_TRUE(values_near(min(m, 0), {2}, dt, {1, nan}));
    EXPECT_TRUE(values_near(argmax(m, 1), {2}, DType::i64, {1, 0}));
  }
}

// ---- ties and gradients by hand ----

// Along an axis the gradient goes to the first extreme element; over all elements it is split
// evenly between the tied ones (both as in PyTorch).
TEST(OpsReduction, TiesAlongAnAxisGoToTheFirstAndOverAllAreSplit) {
  Tensor x = tensor({{3, 1, 3}, {2, 2, 0}}, DType::f64).set_requires_grad();
  EXPECT_TRUE(values_near(argmax(x), {}, DType::i64, {0}));
  EXPECT_TRUE(values_near(argmax(x, 1), {2}, DType::i64, {0, 0}));
  sum(max(x, 1)).backward();
  EXPECT_TRUE(values_near(x.grad(), {2, 3}, DType::f64, {1, 0, 0, 1, 0, 0}));
  x.zero_grad();
  sum(min(x, 0)).backward();  // columns: (3, 2), (1, 2), (3, 0)
  EXPECT_TRUE(values_near(x.grad(), {2, 3}, DType::f64, {0, 1, 0, 1, 0, 1}));
  x.zero_grad();
  max(x).backward();
  EXPECT_TRUE(values_near(x.grad(), {2, 3}, DType::f64, {0.5, 0, 0.5, 0, 0, 0}));
}

TEST(OpsReduction, MeanGradientIsOneOverTheCount) {
  Tensor x = ones({2, 4}, DType::f64).set_requires_grad();
  mean(x).backward();
  EXPECT_TRUE(values_near(x.grad(), {2, 4}, DType::f64, std::vector<double>(8, 0.125)));
  x.zero_grad();
  sum(mean(x, 0)).backward();
  EXPECT_TRUE(values_near(x.grad(), {2, 4}, DType::f64, std::vector<double>(8, 0.5)));
}

// ---- gradchecks ----

TEST(OpsReduction, GradcheckEveryReductionOverAllElements) {
  const Tensor x = distinct64({2, 3, 4}, 1);
  EXPECT_TRUE(gradcheck([](In in) { return sum(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return mean(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return max(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return min(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return sum(in[0]); }, {test::random64({}, 2)}));
}

TEST(OpsReduction, GradcheckEveryReductionOverEachAxisWithAndWithoutKeepdim) {
  using AxisFn = Tensor (*)(const Tensor&, int, bool);
  const std::pair<const char*, AxisFn> ops[] = {{"sum", sum}, {"mean", mean}, {"max", max}, {"min", min}};
  const Tensor x = distinct64({2, 3, 4}, 3);
  for (const auto& [name, fn] : ops)
    for (int axis = -3; axis < 3; ++axis)
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(::testing::Message() << name << " axis " << axis << " keepdim " << keepdim);
        EXPECT_TRUE(gradcheck([fn, axis, keepdim](In in) { return fn(in[0], axis, keepdim); }, {x}));
      }
}

TEST(OpsReduction, GradcheckReductionsOfAVector) {
  const Tensor x = distinct64({7}, 4);
  EXPECT_TRUE(gradcheck([](In in) { return sum(in[0], 0); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return mean(in[0], -1, true); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return max(in[0], 0); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return min(in[0], 0, true); }, {x}));
}

// ---- errors ----

TEST(OpsReduction, BadAxisNamesTheOpTheAxisAndTheShape) {
  const Tensor x = ones({2, 3});
  EXPECT_TRUE(test::throws_error_with([&] { argmax(x, 2); }, {"argmax", "2", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { argmax(x, -3); }, {"argmax", "-3", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { sum(x, 2); }, {"sum", "2", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { mean(x, -3, true); }, {"mean", "-3", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { max(x, 5); }, {"max", "5", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { min(x, -4); }, {"min", "-4", "[2, 3]"}));
}

TEST(OpsReduction, AxisReductionOfZeroDimTensorThrowsNamingTheOp) {
  EXPECT_TRUE(test::throws_error_with([] { sum(scalar(1), 0); }, {"sum"}));
  EXPECT_TRUE(test::throws_error_with([] { argmax(scalar(1), 0); }, {"argmax"}));
}

TEST(OpsReduction, EmptyInputsThrowForMeanMaxMinArgmax) {
  const Tensor empty = zeros({0, 3});
  EXPECT_TRUE(values_near(sum(empty), {}, DType::f32, {0}));  // an empty sum is 0, as in PyTorch
  EXPECT_TRUE(values_near(sum(empty, 0), {3}, DType::f32, {0, 0, 0}));
  EXPECT_TRUE(test::throws_error_with([&] { mean(empty); }, {"mean"}));
  EXPECT_TRUE(test::throws_error_with([&] { mean(empty, 0); }, {"mean"}));
  EXPECT_TRUE(test::throws_error_with([&] { max(empty); }, {"max"}));
  EXPECT_TRUE(test::throws_error_with([&] { min(empty, 0); }, {"min"}));
  EXPECT_TRUE(test::throws_error_with([&] { argmax(empty); }, {"argmax"}));
}

// ---- large float32 inputs ----

TEST(OpsReduction, Float32SumOfAMillionElementsKeepsFloat32Accuracy) {
  // 10^6 copies of 0.1f sum to 100000.0015 exactly; a naive running float32 sum drifts to
  // ~100958 (1%). PyTorch's result is within one float32 ulp of 10^5.
  const Tensor x = full({1'000'000}, 0.1);
  const double exact = 1e6 * double(0.1f);
  EXPECT_NEAR(sum(x).item(), exact, 1e-5 * exact);
  EXPECT_NEAR(mean(x).item(), double(0.1f), 1e-5 * 0.1);
  EXPECT_NEAR(sum(full({1, 1'000'000, 1}, 0.1), 1).item(), exact, 1e-5 * exact);
}

TEST(OpsReduction, Float32AxisReductionsOfLargeMatrixMatchDoubleReference) {
  const std::int64_t rows = 300, cols = 400;
  Generator gen(5);
  const Tensor x = normal({rows, cols}, 1, 1, gen);
  const float* p = x.data<float>();
  std::vector<double> col_sum(cols, 0), row_max(rows, -1e30);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      col_sum[j] += p[i * cols + j];
      row_max[i] = std::max<double>(row_max[i], p[i * cols + j]);
    }
  EXPECT_TRUE(values_near(sum(x, 0), {cols}, DType::f32, col_sum, 1e-5));
  EXPECT_TRUE(values_near(max(x, 1), {rows}, DType::f32, row_max, 0));
}

}  // namespace
}  // namespace soma
