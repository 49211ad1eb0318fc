// Loss modules (nn/loss.h): each equals its functional loss for every reduction, in value and
// in gradient; names, clone, and option checks.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/soma.h"

namespace soma {
namespace {

constexpr Reduction kReductions[] = {Reduction::mean, Reduction::sum, Reduction::none};

// Value and input gradient of `module` equal those of `functional` (bit for bit: same code path).
template <class F>
void expect_same(const loss::Loss& module, F functional, const Tensor& input, const Tensor& target) {
  Tensor a = input.copy().set_requires_grad();
  Tensor b = input.copy().set_requires_grad();
  const Tensor la = module(a, target);
  const Tensor lb = functional(b, target);
  ASSERT_TRUE(test::values_near(la, lb.shape(), lb.dtype(), [&] {
    std::vector<double> v;
    const Tensor d = lb.to(DType::f64);
    for (std::int64_t i = 0; i < d.numel(); ++i) v.push_back(d.data<double>()[i]);
    return v;
  }(), 0));
  const Tensor seed = ones(la.shape(), la.dtype());
  la.backward(seed);
  lb.backward(seed);
  const Tensor ga = a.grad(), gb = b.grad();
  for (std::int64_t i = 0; i < ga.numel(); ++i) EXPECT_EQ(ga.data<float>()[i], gb.data<float>()[i]) << module.name();
}

TEST(TrainLoss, ModulesMatchTheFunctionalLosses) {
  Generator gen(3);
  const Tensor x = normal({4, 3}, 0, 1, gen);
  const Tensor t = normal({4, 3}, 0, 1, gen);
  const Tensor p = uniform({4, 3}, 0.05, 0.95, gen);
  const Tensor bits = bernoulli({4, 3}, 0.5, gen);
  const Tensor signs = 2.0 * bits - 1.0;
  const Tensor labels = tensor({2, 0, 1, 1}, DType::i64);
  for (const Reduction r : kReductions) {
    SCOPED_TRACE(int(r));
    expect_same(loss::CrossEntropy({.reduction = r}), [&](const Tensor& a, const Tensor& b) { return cross_entropy(a, b, r); }, x, labels);
    expect_same(loss::MSE({.reduction = r}), [&](const Tensor& a, const Tensor& b) { return mse_loss(a, b, r); }, x, t);
    expect_same(loss::MAE({.reduction = r}), [&](const Tensor& a, const Tensor& b) { return l1_loss(a, b, r); }, x, t);
    expect_same(loss::BCE({.reduction = r}), [&](const Tensor& a, const Tensor& b) { return binary_cross_entropy(a, b, r); }, p, bits);
    expect_same(loss::BCEWithLogits({.reduction = r}),
                [&](const Tensor& a, const Tensor& b) { return binary_cross_entropy_with_logits(a, b, r); }, x, bits);
    expect_same(loss::Hinge({.margin = 0.5, .reduction = r}),
                [&](const Tensor& a, const Tensor& b) { return hinge_loss(a, b, 0.5, r); }, x, signs);
    expect_same(loss::Huber({.delta = 0.7, .reduction = r}),
                [&](const Tensor& a, const Tensor& b) { return huber_loss(a, b, 0.7, r); }, x, t);
    expect_same(loss::SmoothL1({.beta = 0.3, .reduction = r}),
                [&](const Tensor& a, const Tensor& b) { return smooth_l1_loss(a, b, 0.3, r); }, x, t);
  }
}

TEST(TrainLoss, DefaultsArePyTorchs) {
  const Tensor x = tensor({{0.5, -2.0}}), t = tensor({{0.0, 0.0}});
  EXPECT_EQ(loss::MSE().reduction(), Reduction::mean);
  EXPECT_DOUBLE_EQ(loss::Huber().delta(), 1.0);
  EXPECT_DOUBLE_EQ(loss::Huber(0.25).delta(), 0.25);
  EXPECT_DOUBLE_EQ(loss::SmoothL1().beta(), 1.0);
  EXPECT_DOUBLE_EQ(loss::Hinge().margin(), 1.0);
  // mean of 0.5 * 0.25 and 2 - 0.5: Huber with delta 1.
  EXPECT_NEAR(loss::Huber()(x, t).item(), (0.125 + 1.5) / 2, 1e-7);
}

TEST(TrainLoss, NamesAndClones) {
  const loss::Huber huber({.delta = 2, .reduction = Reduction::sum});
  const auto copy = huber.clone();
  EXPECT_EQ(copy->name(), "huber");
  EXPECT_EQ(copy->reduction(), Reduction::sum);
  EXPECT_DOUBLE_EQ(dynamic_cast<const loss::Huber&>(*copy).delta(), 2);
  EXPECT_EQ(loss::CrossEntropy().name(), "cross_entropy");
  EXPECT_EQ(loss::MSE().name(), "mse");
  EXPECT_EQ(loss::L1().name(), "mae");
  EXPECT_EQ(loss::BCE().name(), "bce");
  EXPECT_EQ(loss::BCEWithLogits().name(), "bce_with_logits");
  EXPECT_EQ(loss::Hinge().name(), "hinge");
  EXPECT_EQ(loss::SmoothL1().name(), "smooth_l1");
}

TEST(TrainLoss, FunctionWrapsACustomCost) {
  const loss::Function half_sse("half_sse", [](const Tensor& p, const Tensor& t) {
    return 0.5 * mse_loss(p, t, Reduction::sum);
  }, Reduction::sum);
  EXPECT_EQ(half_sse.name(), "half_sse");
  EXPECT_EQ(half_sse.reduction(), Reduction::sum);
  EXPECT_NEAR(half_sse.clone()->operator()(tensor({1, 2}), tensor({0, 0})).item(), 2.5, 1e-7);
  EXPECT_TRUE(test::throws_error_with([] { loss::Function("empty", nullptr); }, {"empty"}));
}

TEST(TrainLoss, BadOptionsThrowAtConstruction) {
  EXPECT_TRUE(test::throws_error_with([] { loss::Huber(0.0); }, {"Huber", "delta"}));
  EXPECT_TRUE(test::throws_error_with([] { loss::SmoothL1(-1.0); }, {"SmoothL1", "beta"}));
  EXPECT_TRUE(test::throws_error_with([] { loss::MSE()(tensor({1, 2}), tensor({1, 2, 3})); }, {"[2]", "[3]"}));
}

}  // namespace
}  // namespace soma
