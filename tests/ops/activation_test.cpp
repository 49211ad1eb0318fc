// Tests of include/soma/ops/activation.h: sigmoid, tanh, relu, leaky_relu, threshold, softmax,
// log_softmax. Forward values by hand in float32 and float64, float64 gradchecks away from kinks
// (softmax over every axis of a 3-D tensor), the forward-only contract of threshold, softmax
// stability at +-1000, bad-axis errors, and 100k-element float32 inputs (the OpenMP path).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::values_near;
using In = const std::vector<Tensor>&;

const double kLn2 = std::log(2.0);

// softmax (or log_softmax) of x along `axis`, written out in double (the test's reference).
std::vector<double> reference_softmax(const Tensor& x, int axis, bool log) {
  const Tensor d = x.to(DType::f64);
  const Shape& s = d.shape();
  const int a = s.axis(axis);
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < a; ++i) outer *= s[i];
  for (int i = a + 1; i < s.dim(); ++i) inner *= s[i];
  const std::int64_t n = s[a];
  const double* p = d.data<double>();
  std::vector<double> out(d.numel());
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      double total = 0;
      for (std::int64_t k = 0; k < n; ++k) total += std::exp(p[(o * n + k) * inner + i]);
      for (std::int64_t k = 0; k < n; ++k) {
        const double v = p[(o * n + k) * inner + i];
        out[(o * n + k) * inner + i] = log ? v - std::log(total) : std::exp(v) / total;
      }
    }
  return out;
}

// ---- forward values ----

TEST(OpsActivation, SigmoidAndTanhValuesInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({0, 2, -2, 0.5}, dt);
    EXPECT_TRUE(values_near(sigmoid(x), {4}, dt, {0.5, 0.8807970779778823, 0.11920292202211755, 0.6224593312018546}));
    EXPECT_TRUE(values_near(tanh(x), {4}, dt, {0, 0.9640275800758169, -0.9640275800758169, 0.46211715726000974}));
  }
}

TEST(OpsActivation, SigmoidSaturatesWithoutNanAtLargeMagnitudes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    EXPECT_TRUE(values_near(sigmoid(tensor({-1000, 1000}, dt)), {2}, dt, {0, 1}));
    EXPECT_TRUE(values_near(tanh(tensor({-1000, 1000}, dt)), {2}, dt, {-1, 1}));
  }
}

TEST(OpsActivation, ReluAndLeakyReluValuesInBothDtypes) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{-2, 0}, {3, -0.5}}, dt);
    EXPECT_TRUE(values_near(relu(x), {2, 2}, dt, {0, 0, 3, 0}));
    EXPECT_TRUE(values_near(leaky_relu(x), {2, 2}, dt, {-0.02, 0, 3, -0.005}));
    EXPECT_TRUE(values_near(leaky_relu(x, 0.2), {2, 2}, dt, {-0.4, 0, 3, -0.1}));
  }
}

TEST(OpsActivation, ReluAndLeakyReluGradientsAtZeroFollowPyTorch) {
  // NOTE: relu'(0) = 0 and leaky_relu'(0) = slope, as torch's `x > 0 ? g : g * slope`.
  Tensor x = tensor({-1, 0, 2}, DType::f64).set_requires_grad();
  sum(relu(x)).backward();
  EXPECT_TRUE(values_near(x.grad(), {3}, DType::f64, {0, 0, 1}));
  x.zero_grad();
  sum(leaky_relu(x, 0.1)).backward();
  EXPECT_TRUE(values_near(x.grad(), {3}, DType::f64, {0.1, 0.1, 1}));
}

TEST(OpsActivation, ThresholdIsOneFromTheThresholdUp) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({-1, 0, 0.5, 2}, dt);
    EXPECT_TRUE(values_near(threshold(x), {4}, dt, {0, 1, 1, 1}));
    EXPECT_TRUE(values_near(threshold(x, 0.5), {4}, dt, {0, 0, 1, 1}));
    EXPECT_TRUE(values_near(threshold(x, 3), {4}, dt, {0, 0, 0, 0}));
  }
}

TEST(OpsActivation, BackwardThroughThresholdThrowsNamingThreshold) {
  Tensor x = tensor({-1, 0.5, 2}, DType::f64).set_requires_grad();
  EXPECT_TRUE(test::throws_error_with([&] { sum(threshold(x)).backward(); }, {"threshold"}));
  // Also when the step is one branch of a larger graph.
  Tensor w = tensor({1, 2, 3}, DType::f64).set_requires_grad();
  EXPECT_TRUE(test::throws_error_with([&] { sum(threshold(x) * w + x).backward(); }, {"threshold"}));
}

TEST(OpsActivation, ThresholdOfAConstantNeedsNoGradient) {
  // Forward-only use (a perceptron's output) is fine when nothing needs a gradient through it.
  Tensor w = tensor({1, 2}, DType::f64).set_requires_grad();
  const Tensor step = threshold(tensor({-1, 1}, DType::f64));
  EXPECT_NO_THROW(sum(step * w).backward());
  EXPECT_TRUE(values_near(w.grad(), {2}, DType::f64, {0, 1}));
}

TEST(OpsActivation, SoftmaxAndLogSoftmaxOfAVector) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, 3}, dt);
    EXPECT_TRUE(values_near(softmax(x), {3}, dt, {0.09003057317038046, 0.24472847105479764, 0.6652409557748219}));
    EXPECT_TRUE(values_near(log_softmax(x), {3}, dt, {-2.4076059644443806, -1.4076059644443806, -0.4076059644443806}));
  }
}

TEST(OpsActivation, SoftmaxOverAxisZeroNormalizesColumns) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{1, 2}, {3, 4}}, dt);
    const double lo = 0.11920292202211755, hi = 0.8807970779778823;  // 1 / (1 + e^2), e^2 / (1 + e^2)
    EXPECT_TRUE(values_near(softmax(x, 0), {2, 2}, dt, {lo, lo, hi, hi}));
    EXPECT_TRUE(values_near(log_softmax(x, 0), {2, 2}, dt, {std::log(lo), std::log(lo), std::log(hi), std::log(hi)}));
    EXPECT_TRUE(values_near(softmax(x, 1), {2, 2}, dt, {0.2689414213699951, 0.7310585786300049, 0.2689414213699951, 0.7310585786300049}));
  }
}

TEST(OpsActivation, SoftmaxOverEachAxisOfThreeDimTensorMatchesReference) {
  Generator gen(2);
  for (DType dt : test::kFloatDTypes) {
    const Tensor x = normal({2, 3, 4}, 0, 2, gen, dt);
    for (int axis : {0, 1, 2, -1, -2, -3}) {
      SCOPED_TRACE(::testing::Message() << name_of(dt) << " axis " << axis);
      EXPECT_TRUE(values_near(softmax(x, axis), {2, 3, 4}, dt, reference_softmax(x, axis, false), 1e-6));
      EXPECT_TRUE(values_near(log_softmax(x, axis), {2, 3, 4}, dt, reference_softmax(x, axis, true), 1e-6));
    }
  }
}

TEST(OpsActivation, SoftmaxIsStableForInputsOfPlusMinusThousand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({{1000, -1000, 0}, {1000, 1000, 1000}, {-1000, -1000, -999}}, dt);
    const Tensor y = softmax(x, 1);
    const double e1 = 1 / (2 + std::exp(1.0)), e2 = std::exp(1.0) / (2 + std::exp(1.0));
    EXPECT_TRUE(values_near(y, {3, 3}, dt, {1, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, e1, e1, e2}));
    EXPECT_TRUE(values_near(sum(y, 1), {3}, dt, {1, 1, 1}));
    const Tensor ly = log_softmax(x, 1);
    const double l3 = std::log(3.0), l = std::log(2 + std::exp(1.0));
    EXPECT_TRUE(values_near(ly, {3, 3}, dt, {0, -2000, -1000, -l3, -l3, -l3, -l, -l, 1 - l}));
  }
}

TEST(OpsActivation, SoftmaxGradientsStayFiniteAtPlusMinusThousand) {
  Tensor x = tensor({1000, -1000, 0}, DType::f64).set_requires_grad();
  const Tensor r = tensor({0.3, -1, 2}, DType::f64);
  sum(softmax(x) * r + log_softmax(x) * r).backward();
  // softmax = [1, 0, 0]: its gradient vanishes; log_softmax's is r - softmax * sum(r).
  EXPECT_TRUE(values_near(x.grad(), {3}, DType::f64, {0.3 - 1.3, -1, 2}));
}

// ---- gradchecks ----

TEST(OpsActivation, GradcheckSigmoidTanh) {
  EXPECT_TRUE(gradcheck([](In in) { return sigmoid(in[0]); }, {random64({3, 4}, 1, 0, 2)}));
  EXPECT_TRUE(gradcheck([](In in) { return tanh(in[0]); }, {random64({3, 4}, 2)}));
  EXPECT_TRUE(gradcheck([](In in) { return sigmoid(in[0]); }, {random64({}, 3)}));
}

TEST(OpsActivation, GradcheckReluLeakyReluAwayFromZero) {
  const Tensor x = test::away_from(random64({4, 5}, 4), 0);
  EXPECT_TRUE(gradcheck([](In in) { return relu(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return leaky_relu(in[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](In in) { return leaky_relu(in[0], 0.3); }, {x}));
}

TEST(OpsActivation, GradcheckSoftmaxAndLogSoftmaxOverEveryAxisOfThreeDimTensor) {
  const Tensor x = random64({2, 3, 4}, 5);
  for (int axis : {0, 1, 2, -1}) {
    SCOPED_TRACE(::testing::Message() << "axis " << axis);
    EXPECT_TRUE(gradcheck([axis](In in) { return softmax(in[0], axis); }, {x}));
    EXPECT_TRUE(gradcheck([axis](In in) { return log_softmax(in[0], axis); }, {x}));
  }
  EXPECT_TRUE(gradcheck([](In in) { return softmax(in[0]); }, {random64({5}, 6)}));
  EXPECT_TRUE(gradcheck([](In in) { return log_softmax(in[0]); }, {random64({5}, 7)}));
}

// ---- errors ----

TEST(OpsActivation, SoftmaxOnABadAxisNamesTheOpTheAxisAndTheShape) {
  const Tensor x = ones({2, 3});
  EXPECT_TRUE(test::throws_error_with([&] { softmax(x, 2); }, {"softmax", "2", "[2, 3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { log_softmax(x, -3); }, {"log_softmax", "-3", "[2, 3]"}));
}

// ---- large float32 inputs (the OpenMP path) ----

TEST(OpsActivation, HundredThousandElementFloat32ForwardAndBackward) {
  const std::int64_t n = 100'000;
  Generator gen(8);
  Tensor x = uniform({n}, -4, 4, gen).set_requires_grad();
  const Tensor s = sigmoid(x), t = tanh(x), r = relu(x), l = leaky_relu(x, 0.1);
  sum(s + t + r + l).backward();
  const float *px = x.data<float>(), *pg = x.grad().data<float>();
  auto close = [](double got, double want) { return std::abs(got - want) <= 1e-6 * (1 + std::abs(want)); };
  int bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = px[i], sv = 1 / (1 + std::exp(-v)), tv = std::tanh(v);
    bad += !close(s.data<float>()[i], sv);
    bad += !close(t.data<float>()[i], tv);
    bad += !close(r.data<float>()[i], v > 0 ? v : 0);
    bad += !close(l.data<float>()[i], v > 0 ? v : 0.1 * v);
    const double grad = sv * (1 - sv) + (1 - tv * tv) + (v > 0 ? 1 : 0) + (v > 0 ? 1 : 0.1);
    bad += !(std::abs(pg[i] - grad) <= 1e-5 * (1 + grad));
  }
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace soma

TEST(OpsActivationNaN, ReluKeepsNaNAsPyTorchDoes) {
  const soma::Tensor y = soma::relu(soma::tensor({std::nan(""), -1.0, 2.0}));
  EXPECT_TRUE(std::isnan(y.at({0})));
  EXPECT_EQ(y.at({1}), 0);
  EXPECT_EQ(y.at({2}), 2);
}
