// Tests for the losses of soma/ops/loss.h: hand-computed values under every reduction,
// float64 finite-difference gradient checks away from each loss's kinks, stability at
// extreme logits, and the errors users see. Expected values are written as the closed
// forms they come from (checked by hand against PyTorch 1.13).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "soma/autograd/node.h"
#include "soma/soma.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;

using LossFn = std::function<Tensor(const Tensor&, const Tensor&, Reduction)>;

const double kLn2 = std::log(2.0);

Tensor f64(std::initializer_list<double> values) { return tensor(values, DType::f64); }
Tensor labels(std::initializer_list<double> values) { return tensor(values, DType::i64); }

std::vector<double> values_of(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  return {d.data<double>(), d.data<double>() + d.numel()};
}

// Each value within tol, relative to the expected value's size when it exceeds 1.
void expect_near_all(const std::vector<double>& got, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tol * std::max(1.0, std::abs(expected[i]))) << "element " << i;
}

void expect_near_all(const Tensor& actual, const std::vector<double>& expected, double tol) {
  expect_near_all(values_of(actual), expected, tol);
}

// none gives the losses (by default of the input's shape), sum their total, mean their average.
void expect_reductions(const LossFn& loss, const Tensor& x, const Tensor& t, const std::vector<double>& expected,
                       const Shape& none_shape, double tol = 1e-12) {
  const Tensor none = loss(x, t, Reduction::none);
  EXPECT_EQ(none.shape(), none_shape);
  expect_near_all(none, expected, tol);
  double total = 0;
  for (double e : expected) total += e;
  const Tensor s = loss(x, t, Reduction::sum), m = loss(x, t, Reduction::mean);
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(m.shape(), Shape{});
  EXPECT_NEAR(s.item(), total, tol * std::max(1.0, std::abs(total)));
  EXPECT_NEAR(m.item(), total / double(expected.size()), tol * std::max(1.0, std::abs(total)));
}

void expect_reductions(const LossFn& loss, const Tensor& x, const Tensor& t, const std::vector<double>& expected) {
  expect_reductions(loss, x, t, expected, x.shape());
}

// The gradient of loss(x, t) in x under every reduction, float64 central differences.
void gradcheck_reductions(const LossFn& loss, const Tensor& x, const Tensor& t) {
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return loss(in[0], t, r); }, {x}))
        << "reduction " << int(r);
}

// gradcheck_reductions with the target differentiated too (the elementwise losses give a target
// that requires grad its gradient, as PyTorch does).
void gradcheck_reductions_in_both(const LossFn& loss, const Tensor& x, const Tensor& t) {
  gradcheck_reductions(loss, x, t);
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return loss(in[0], in[1], r); }, {x, t}))
        << "reduction " << int(r) << ", input and target";
}

// The gradient that backward() leaves in x for the summed loss.
std::vector<double> grad_of_sum(const LossFn& loss, const Tensor& x_in, const Tensor& t) {
  Tensor x = x_in.copy();
  x.set_requires_grad(true);
  loss(x, t, Reduction::sum).backward();
  return values_of(x.grad());
}

// Runs f, which must throw soma::Error whose message contains every one of `parts`.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no soma::Error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

// Uniform float64 draws in [low, high).
Tensor uniform64(const Shape& shape, double low, double high, std::uint64_t seed) {
  Generator gen(seed);
  return uniform(shape, low, high, gen, DType::f64);
}

// Smallest |g(x_i, t_i)| over the elements: how far the inputs sit from a kink at g = 0.
double kink_distance(const Tensor& x, const Tensor& t, const std::function<double(double, double)>& g) {
  const auto xs = values_of(x), ts = values_of(t);
  double d = INFINITY;
  for (std::size_t i = 0; i < xs.size(); ++i) d = std::min(d, std::abs(g(xs[i], ts[i])));
  return d;
}

const LossFn kMse = [](const Tensor& x, const Tensor& t, Reduction r) { return mse_loss(x, t, r); };
const LossFn kL1 = [](const Tensor& x, const Tensor& t, Reduction r) { return l1_loss(x, t, r); };
const LossFn kBce = [](const Tensor& x, const Tensor& t, Reduction r) { return binary_cross_entropy(x, t, r); };
const LossFn kBceLogits = [](const Tensor& x, const Tensor& t, Reduction r) {
  return binary_cross_entropy_with_logits(x, t, r);
};
const LossFn kCrossEntropy = [](const Tensor& x, const Tensor& t, Reduction r) { return cross_entropy(x, t, r); };
LossFn hinge(double margin) {
  return [margin](const Tensor& x, const Tensor& t, Reduction r) { return hinge_loss(x, t, margin, r); };
}
LossFn huber(double delta) {
  return [delta](const Tensor& x, const Tensor& t, Reduction r) { return huber_loss(x, t, delta, r); };
}
LossFn smooth_l1(double beta) {
  return [beta](const Tensor& x, const Tensor& t, Reduction r) { return smooth_l1_loss(x, t, beta, r); };
}

// ---- values -------------------------------------------------------------------------------

TEST(LossValues, Mse) { expect_reductions(kMse, f64({1, -2, 3.5}), f64({0, 1, 3.5}), {1, 9, 0}); }

TEST(LossValues, L1) {
  expect_reductions(kL1, f64({1, -2, 3.5}), f64({0, 1, 3.5}), {1, 3, 0});
  // sign(0) = 0: an exact match contributes no gradient.
  EXPECT_EQ(grad_of_sum(kL1, f64({1, -2, 3.5}), f64({0, 1, 3.5})), (std::vector<double>{1, -1, 0}));
}

TEST(LossValues, BinaryCrossEntropy) {
  // p = 0 with t = 1 would be -log 0 = inf; the clamp of each log at -100 makes it 100.
  const Tensor p = f64({0.5, 0.8, 0, 0, 0.25, 1}), t = f64({1, 0, 1, 0, 0.5, 0});
  expect_reductions(kBce, p, t, {kLn2, std::log(5.0), 100, 0, 0.5 * std::log(16.0 / 3), 100});
  // PyTorch's gradient (p - t) / max(p (1 - p), 1e-12), so a saturated p = 0 still pulls.
  expect_near_all(grad_of_sum(kBce, p, t), {-2, 5, -1e12, 0, -4.0 / 3, 1e12}, 1e-12);
}

TEST(LossValues, BinaryCrossEntropyWithLogits) {
  const Tensor x = f64({0, 2, -3}), t = f64({1, 0, 0.25});
  expect_reductions(kBceLogits, x, t, {kLn2, 2 + std::log1p(std::exp(-2.0)), 0.75 + std::log1p(std::exp(-3.0))});
  // The gradient is sigmoid(x) - t.
  expect_near_all(grad_of_sum(kBceLogits, x, t), {0.5 - 1, 1 / (1 + std::exp(-2.0)), 1 / (1 + std::exp(3.0)) - 0.25}, 1e-12);
}

TEST(LossValues, CrossEntropyLabels) {
  const Tensor x = tensor({{1, 2, 3}, {1, 1, 1}}, DType::f64);
  const double lse0 = 3 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  expect_reductions(kCrossEntropy, x, labels({2, 0}), {lse0 - 3, std::log(3.0)}, Shape{2});
}

TEST(LossValues, CrossEntropyProbabilities) {
  const Tensor x = tensor({{1, 2, 3}, {1, 1, 1}}, DType::f64);
  const Tensor t = tensor({{0.2, 0.3, 0.5}, {1, 0, 0}}, DType::f64);
  // -sum_c t_c log_softmax_c = lse - sum_c t_c x_c for t summing to 1.
  const double lse0 = 3 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  expect_reductions(kCrossEntropy, x, t, {lse0 - 2.3, std::log(3.0)}, Shape{2});
}

TEST(LossValues, CrossEntropyGradientIsSoftmaxMinusOnehotOverN) {
  Tensor x = tensor({{1, 2, 3}, {1, 1, 1}}, DType::f64).set_requires_grad();
  cross_entropy(x, labels({2, 0})).backward();
  const double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  const double p0 = std::exp(-2.0) / z, p1 = std::exp(-1.0) / z, p2 = 1 / z;
  expect_near_all(x.grad(), {p0 / 2, p1 / 2, (p2 - 1) / 2, (1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6}, 1e-12);
}

TEST(LossValues, Hinge) {
  const Tensor x = f64({0.5, 2, -0.3, 1}), t = f64({1, 1, -1, -1});
  expect_reductions(hinge(1), x, t, {0.5, 0, 0.7, 2});
  expect_reductions(hinge(2), x, t, {1.5, 0, 1.7, 3});
  // -t where the margin is violated, 0 where it holds.
  EXPECT_EQ(grad_of_sum(hinge(1), x, t), (std::vector<double>{-1, 0, 1, 1}));
}

TEST(LossValues, Huber) {
  const Tensor x = f64({0, 3.5, -1.5, 0.25}), t = f64({1, 0, 0, 0.25});  // d = -1, 3.5, -1.5, 0
  expect_reductions(huber(2), x, t, {0.5, 5, 1.125, 0});
  expect_reductions(huber(1), x, t, {0.5, 3, 1, 0});
  // d clipped to [-delta, delta].
  EXPECT_EQ(grad_of_sum(huber(2), x, t), (std::vector<double>{-1, 2, -1.5, 0}));
}

TEST(LossValues, SmoothL1) {
  const Tensor x = f64({0, 3.5, -1.5, 0.25}), t = f64({1, 0, 0, 0.25});  // d = -1, 3.5, -1.5, 0
  expect_reductions(smooth_l1(2), x, t, {0.25, 2.5, 0.5625, 0});
  expect_reductions(smooth_l1(1), x, t, {0.5, 3, 1, 0});
  // beta = 0 is l1_loss, value and gradient.
  expect_reductions(smooth_l1(0), x, t, {1, 3.5, 1.5, 0});
  EXPECT_EQ(grad_of_sum(smooth_l1(0), x, t), (std::vector<double>{-1, 1, -1, 0}));
  EXPECT_EQ(grad_of_sum(smooth_l1(2), x, t), (std::vector<double>{-0.5, 1, -0.75, 0}));
}

TEST(LossValues, Float32MatchesFloat64) {
  const Tensor x = random64({3, 4}, 11), t = random64({3, 4}, 12);
  const Tensor p = uniform64({3, 4}, 0.05, 0.95, 13), pt = uniform64({3, 4}, 0, 1, 14);
  auto check = [](const LossFn& loss, const Tensor& a, const Tensor& b) {
    const double want = loss(a, b, Reduction::mean).item();
    EXPECT_NEAR(loss(a.to(DType::f32), b.to(DType::f32), Reduction::mean).item(), want, 1e-5 * std::max(1.0, std::abs(want)));
  };
  for (const LossFn& loss : {kMse, kL1, kBceLogits, huber(1), smooth_l1(0.5)}) check(loss, x, t);
  check(kBce, p, pt);
  check(kCrossEntropy, x, pt);
  const double want = cross_entropy(x, labels({3, 0, 1})).item();
  EXPECT_NEAR(cross_entropy(x.to(DType::f32), labels({3, 0, 1})).item(), want, 1e-5);
}

TEST(LossValues, CrossEntropyLargeBatchMatchesLogSoftmax) {
  // Big enough (N C > kParallelGrain) for the row loops to split across threads.
  const std::int64_t N = 600, C = 100;
  const Tensor x = random64({N, C}, 21, 0, 3);
  std::vector<std::int64_t> y(N);
  Generator gen(22);
  for (auto& label : y) label = std::int64_t(gen.below(C));
  Tensor xg = x.copy().set_requires_grad();
  const Tensor losses = cross_entropy(xg, from_data(y, Shape{N}), Reduction::none);
  const Tensor log_p = log_softmax(x, 1), p = softmax(x, 1);
  std::vector<double> expected(N), expected_grad(values_of(p));
  for (std::int64_t n = 0; n < N; ++n) {
    expected[n] = -log_p.at({n, y[n]});
    expected_grad[n * C + y[n]] -= 1;
  }
  expect_near_all(losses, expected, 1e-12);
  losses.backward(ones({N}, DType::f64));
  expect_near_all(xg.grad(), expected_grad, 1e-12);
}

// ---- gradients ----------------------------------------------------------------------------

TEST(LossGradcheck, Mse) { gradcheck_reductions_in_both(kMse, random64({3, 4}, 1), random64({3, 4}, 2)); }

TEST(LossGradcheck, L1) {
  const Tensor x = random64({3, 4}, 1), t = random64({3, 4}, 2);
  ASSERT_GT(kink_distance(x, t, [](double a, double b) { return a - b; }), 1e-3);
  gradcheck_reductions_in_both(kL1, x, t);
}

TEST(LossGradcheck, BinaryCrossEntropy) {
  // Soft targets anywhere in [0, 1]; p away from 0 and 1, where the 1e-12 floor never acts.
  gradcheck_reductions_in_both(kBce, uniform64({3, 4}, 0.05, 0.95, 3), uniform64({3, 4}, 0, 1, 4));
}

TEST(LossGradcheck, BinaryCrossEntropyWithLogits) {
  gradcheck_reductions_in_both(kBceLogits, random64({3, 4}, 5, 0, 3), uniform64({3, 4}, 0, 1, 6));
}

TEST(LossGradcheck, CrossEntropyLabels) {
  gradcheck_reductions(kCrossEntropy, random64({4, 5}, 7, 0, 2), labels({4, 0, 2, 2}));
  gradcheck_reductions(kCrossEntropy, random64({1, 1}, 8), labels({0}));  // C = 1: loss 0, gradient 0
}

TEST(LossGradcheck, CrossEntropyProbabilities) {
  // Rows summing to 1, and rows that do not (the gradient is softmax * sum(t) - t then).
  const Tensor x = random64({4, 5}, 9, 0, 2);
  gradcheck_reductions(kCrossEntropy, x, softmax(random64({4, 5}, 10), 1));
  gradcheck_reductions(kCrossEntropy, x, uniform64({4, 5}, 0, 1, 11));
}

TEST(LossGradcheck, Hinge) {
  const Tensor x = random64({3, 4}, 12, 0, 2);
  const Tensor t = from_data(std::vector<double>{1, -1, 1, 1, -1, -1, 1, -1, 1, 1, -1, 1}, Shape{3, 4}, DType::f64);
  for (double margin : {1.0, 0.5}) {
    ASSERT_GT(kink_distance(x, t, [margin](double a, double b) { return margin - a * b; }), 1e-3);
    gradcheck_reductions(hinge(margin), x, t);
  }
}

TEST(LossGradcheck, Huber) {
  const Tensor x = random64({3, 4}, 13, 0, 2), t = random64({3, 4}, 14);
  for (double delta : {1.0, 0.7}) {
    ASSERT_GT(kink_distance(x, t, [delta](double a, double b) { return std::abs(a - b) - delta; }), 1e-3);
    gradcheck_reductions_in_both(huber(delta), x, t);
  }
}

TEST(LossGradcheck, SmoothL1) {
  const Tensor x = random64({3, 4}, 13, 0, 2), t = random64({3, 4}, 14);
  for (double beta : {1.0, 0.7}) {
    ASSERT_GT(kink_distance(x, t, [beta](double a, double b) { return std::abs(a - b) - beta; }), 1e-3);
    gradcheck_reductions_in_both(smooth_l1(beta), x, t);
  }
  ASSERT_GT(kink_distance(x, t, [](double a, double b) { return a - b; }), 1e-3);
  gradcheck_reductions_in_both(smooth_l1(0), x, t);
}

// ---- stability ----------------------------------------------------------------------------

TEST(LossStability, CrossEntropyExtremeLogits) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor logits = tensor({{1000, -1000, 0}, {-1000, 1000, 1000}}, dtype);
    expect_near_all(cross_entropy(logits, labels({1, 2}), Reduction::none), {2000, kLn2}, 1e-6);
    Tensor x = logits.copy().set_requires_grad();
    const Tensor loss = cross_entropy(x, labels({1, 2}));
    EXPECT_NEAR(loss.item(), (2000 + kLn2) / 2, 1e-6 * 1000);
    loss.backward();
    expect_near_all(x.grad(), {0.5, -0.5, 0, 0, 0.25, -0.25}, 1e-6);

    const Tensor probs = tensor({{0.2, 0.3, 0.1}, {0.5, 0.5, 0.5}}, dtype);
    expect_near_all(cross_entropy(logits, probs, Reduction::none), {700, 1000 + 1.5 * kLn2}, 1e-6);
    Tensor xp = logits.copy().set_requires_grad();
    cross_entropy(xp, probs, Reduction::sum).backward();
    expect_near_all(xp.grad(), {0.6 - 0.2, -0.3, -0.1, -0.5, 0.75 - 0.5, 0.75 - 0.5}, 1e-6);
  }
}

TEST(LossStability, CrossEntropySmallLossKeepsFloat32Digits) {
  // (m - x_y) + log s, not lse - x_y: at logits near 1000 a float32 lse carries only ~6e-5.
  const Tensor x = tensor({{1000, 1000}, {1000.5, 1000}}, DType::f32);
  expect_near_all(cross_entropy(x, labels({0, 0}), Reduction::none), {kLn2, std::log1p(std::exp(-0.5))}, 1e-6);
}

TEST(LossStability, BinaryCrossEntropyWithLogitsExtremeLogits) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x0 = tensor({100, -100, 1000, -1000, 100, -1000}, dtype);
    const Tensor t = tensor({0, 1, 0.3, 0.3, 1, 0}, dtype);
    Tensor x = x0.copy().set_requires_grad();
    const Tensor losses = binary_cross_entropy_with_logits(x, t, Reduction::none);
    // The last two are e^-100 and e^-1000: 0 to within any tolerance, but never NaN.
    expect_near_all(losses, {100, 100, 700, 300, 0, 0}, 1e-6);
    sum(losses).backward();
    expect_near_all(x.grad(), {1, -1, 0.7, -0.3, 0, 0}, 1e-6);
    // Tiny losses keep their digits: log1p(e^-30), not log(1 + e^-30), which is 0 in float32.
    const double tiny = std::log1p(std::exp(-30.0));
    EXPECT_NEAR(binary_cross_entropy_with_logits(tensor({-30}, dtype), tensor({0}, dtype)).item(), tiny, 1e-5 * tiny);
  }
}

TEST(LossStability, BinaryCrossEntropySaturatedProbabilities) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor p = tensor({0, 1, 0, 1}, dtype).set_requires_grad();
    const Tensor losses = binary_cross_entropy(p, tensor({1, 0, 0, 1}, dtype), Reduction::none);
    expect_near_all(losses, {100, 100, 0, 0}, 1e-6);
    sum(losses).backward();
    expect_near_all(p.grad(), {-1e12, 1e12, 0, 0}, 1e-6);
  }
}

// ---- autograd contract --------------------------------------------------------------------

TEST(LossAutograd, CrossEntropyIsOneNode) {
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    Tensor x = random64({3, 4}, 1).set_requires_grad();
    const Tensor loss = cross_entropy(x, labels({0, 1, 3}), r);
    const auto* node = autograd::node_of(loss);
    ASSERT_NE(node, nullptr);
    EXPECT_STREQ(node->name(), "cross_entropy");
    ASSERT_EQ(node->next.size(), 1u);
    EXPECT_STREQ(node->next[0]->name(), "AccumulateGrad");
  }
}

TEST(LossAutograd, TargetThatRequiresGradGetsItsGradientAsInPyTorch) {
  Tensor x = random64({2, 3}, 1), t = random64({2, 3}, 2).set_requires_grad();
  EXPECT_TRUE(l1_loss(x, t).requires_grad());  // through the target alone
  EXPECT_FALSE(cross_entropy(x, softmax(random64({2, 3}, 3), 1)).requires_grad());
  x.set_requires_grad();
  mse_loss(x, t).backward();
  ASSERT_TRUE(x.grad().defined());
  ASSERT_TRUE(t.grad().defined());
  // d/dt (x - t)^2 = -d/dx: mean over 6 elements.
  for (std::int64_t i = 0; i < 6; ++i) {
    const double d = x.data<double>()[i] - t.data<double>()[i];
    EXPECT_DOUBLE_EQ(t.grad().data<double>()[i], -2 * d / 6);
    EXPECT_DOUBLE_EQ(x.grad().data<double>()[i], 2 * d / 6);
  }
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(cross_entropy(x, labels({0, 2})).requires_grad());
    EXPECT_FALSE(huber_loss(x, t).requires_grad());
  }
}

TEST(LossAutograd, TargetsWithoutAGradientAreRefusedWhenTheyRequireOne) {
  const Tensor x = random64({2, 3}, 1).set_requires_grad();
  const Tensor soft = softmax(random64({2, 3}, 3), 1).set_requires_grad();
  expect_error([&] { cross_entropy(x, soft); }, {"cross_entropy", "target", "detach"});
  const Tensor signs = tensor({1, -1, 1, -1, 1, -1}, {2, 3}, DType::f64).set_requires_grad();
  expect_error([&] { hinge_loss(x, signs); }, {"hinge_loss", "target", "detach"});
}

// ---- errors -------------------------------------------------------------------------------

TEST(LossErrors, ShapeMismatchNamesLossAndBothShapes) {
  const Tensor a = zeros({2, 3}), b = zeros({3, 2});
  expect_error([&] { mse_loss(a, b); }, {"mse_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { l1_loss(a, b); }, {"l1_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { binary_cross_entropy(a, b); }, {"binary_cross_entropy", "[2, 3]", "[3, 2]"});
  expect_error([&] { binary_cross_entropy_with_logits(a, b); }, {"binary_cross_entropy_with_logits", "[2, 3]", "[3, 2]"});
  expect_error([&] { hinge_loss(a, b); }, {"hinge_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { huber_loss(a, b); }, {"huber_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { smooth_l1_loss(a, b); }, {"smooth_l1_loss", "[2, 3]", "[3, 2]"});
  // Broadcasting is refused too: [3] against [2, 3] is a bug more often than not.
  expect_error([&] { mse_loss(a, zeros({3})); }, {"mse_loss", "[2, 3]", "[3]"});
}

TEST(LossErrors, DtypeMismatchNamesLossDtypesAndShapes) {
  expect_error([] { l1_loss(zeros({2}), zeros({2}, DType::f64)); }, {"l1_loss", "float32", "float64", "[2]"});
  expect_error([] { huber_loss(zeros({2}, DType::i64), zeros({2}, DType::i64)); }, {"huber_loss", "float32 or float64", "int64"});
}

TEST(LossErrors, CrossEntropyLabelOutOfRange) {
  const Tensor x = zeros({2, 3});
  expect_error([&] { cross_entropy(x, labels({0, 3})); }, {"cross_entropy", "label 3", "row 1", "C = 3"});
  expect_error([&] { cross_entropy(x, labels({-1, 0})); }, {"cross_entropy", "label -1", "row 0", "C = 3"});
  expect_error([&] { cross_entropy(x, labels({-100, 0})); }, {"label -100", "C = 3"});
}

TEST(LossErrors, CrossEntropyShapes) {
  expect_error([] { cross_entropy(zeros({3}), labels({0})); }, {"cross_entropy", "2-D", "[N, C]", "[3]"});
  expect_error([] { cross_entropy(zeros({2, 3, 4}), labels({0, 1})); }, {"cross_entropy", "2-D", "[2, 3, 4]"});
  // Float labels, the wrong count of labels, probabilities of the wrong shape or dtype.
  expect_error([] { cross_entropy(zeros({2, 3}), tensor({0, 1})); }, {"cross_entropy", "int64", "[2, 3]", "[2]", "float32"});
  expect_error([] { cross_entropy(zeros({2, 3}), labels({0, 1, 2})); }, {"cross_entropy", "[2, 3]", "[3]"});
  expect_error([] { cross_entropy(zeros({2, 3}), zeros({3, 2})); }, {"cross_entropy", "[2, 3]", "[3, 2]"});
  expect_error([] { cross_entropy(zeros({2, 3}), zeros({2, 3}, DType::f64)); }, {"cross_entropy", "float32", "float64"});
  expect_error([] { cross_entropy(zeros({2, 0}), labels({0, 0})); }, {"cross_entropy", "C = 0"});
}

TEST(LossErrors, BadValuesAndParameters) {
  expect_error([] { binary_cross_entropy(tensor({0.5, 1.5}), tensor({1, 0})); },
               {"binary_cross_entropy", "[0, 1]", "element 1", "1.5", "with_logits"});
  expect_error([] { binary_cross_entropy(tensor({NAN}), tensor({1})); }, {"binary_cross_entropy", "[0, 1]"});
  expect_error([] { hinge_loss(tensor({0.5, 1.5}), tensor({1, 0})); }, {"hinge_loss", "-1 or 1", "element 1"});
  expect_error([] { huber_loss(zeros({2}), zeros({2}), 0); }, {"huber_loss", "delta", "positive"});
  expect_error([] { smooth_l1_loss(zeros({2}), zeros({2}), -1); }, {"smooth_l1_loss", "beta", "-1"});
}

}  // namespace
}  // namespace soma
