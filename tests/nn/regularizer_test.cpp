// Tests of include/soma/nn/regularizer.h and Module::regularization_loss(): Keras' factory
// defaults and penalty values, a float64 gradcheck of the penalty, a finite-difference check
// of regularization_loss() over every parameter of a Sequential, the sum over the module tree,
// the constant 0 without regularizers, one SGD step of pure L2 decay, and the errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/regularizer.h"
#include "soma/nn/sequential.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/optim/sgd.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using In = const std::vector<Tensor>&;

// Moves every element of every parameter at least 0.05 away from 0 (the L1 kink).
void away_from_zero(const nn::Module& net) {
  for (const Tensor& p : net.parameters()) {
    double* v = p.data<double>();
    for (std::int64_t i = 0; i < p.numel(); ++i)
      if (std::abs(v[i]) < 0.05) v[i] = v[i] >= 0 ? 0.05 : -0.05;
  }
}

TEST(LayerRegularizer, FactoriesHaveKerasDefaults) {
  EXPECT_EQ(nn::l1().l1, 0.01);
  EXPECT_EQ(nn::l1().l2, 0);
  EXPECT_EQ(nn::l2().l1, 0);
  EXPECT_EQ(nn::l2().l2, 0.01);
  EXPECT_EQ(nn::l1_l2().l1, 0.01);
  EXPECT_EQ(nn::l1_l2().l2, 0.01);
  EXPECT_EQ(nn::l1_l2(0.1, 0.2).l2, 0.2);
}

TEST(LayerRegularizer, PenaltyIsL1SumAbsPlusL2SumSquaresWithoutAHalf) {
  for (DType dtype : test::kFloatDTypes) {
    const Tensor w = tensor({{1, -2}, {0, 3}}, dtype);
    EXPECT_NEAR(nn::l1(0.01)(w).item(), 0.06, 1e-7);
    EXPECT_NEAR(nn::l2(0.01)(w).item(), 0.14, 1e-7);
    EXPECT_NEAR(nn::l1_l2(0.01, 0.02)(w).item(), 0.06 + 0.28, 1e-7);
    EXPECT_EQ(nn::l1_l2(0.01, 0.02)(w).dtype(), dtype);
    EXPECT_EQ(nn::Regularizer{}(w).item(), 0) << "both terms off";
  }
}

TEST(LayerRegularizer, GradcheckOfThePenalty) {
  const Tensor w = test::away_from(random64({4, 3}), 0);
  EXPECT_TRUE(gradcheck([](In in) { return nn::Regularizer{.l1 = 0.3, .l2 = 0.7}(in[0]); }, {w}));
  EXPECT_TRUE(gradcheck([](In in) { return nn::l1(0.5)(in[0]); }, {w}));
  EXPECT_TRUE(gradcheck([](In in) { return nn::l2(0.5)(in[0]); }, {w}));
}

TEST(LayerRegularizer, GradientIsL1SignPlusTwoL2W) {
  Tensor w = tensor({1.5, -2, 0}, DType::f64);
  w.set_requires_grad();
  nn::l1_l2(0.1, 0.2)(w).backward();
  EXPECT_TRUE(test::values_near(w.grad(), {3}, DType::f64, {0.1 + 0.6, -0.1 - 0.8, 0}));
}

// regularization_loss() of a model checked against central differences on each parameter.
TEST(LayerRegularizer, GradcheckOfRegularizationLossOverTheModuleTree) {
  Generator gen(3);
  nn::Sequential inner{nn::Dense({.in = 4, .out = 3, .dtype = DType::f64, .bias_regularizer = nn::l2(0.3)}, gen)};
  nn::Sequential net;
  net.push_back(nn::Dense({.in = 3, .out = 4, .dtype = DType::f64, .kernel_regularizer = nn::l1_l2(0.2, 0.4)}, gen));
  net.push_back(nn::Tanh());
  net.push_back(std::make_shared<nn::Sequential>(std::move(inner)));
  net.push_back(nn::Dense({.in = 3, .out = 2, .dtype = DType::f64}, gen));  // no penalty
  away_from_zero(net);

  net.regularization_loss().backward();
  const double eps = 1e-6;
  const auto params = net.named_parameters();
  ASSERT_EQ(params.size(), 6u);
  for (const auto& [name, p] : params) {
    SCOPED_TRACE(name);
    const bool penalized = name == "layers.0.weight" || name == "layers.2.layers.0.bias";
    EXPECT_EQ(p.grad().defined(), penalized);
    if (!penalized) continue;
    double* v = p.data<double>();
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      NoGradGuard no_grad;
      const double saved = v[i];
      v[i] = saved + eps;
      const double plus = net.regularization_loss().item();
      v[i] = saved - eps;
      const double minus = net.regularization_loss().item();
      v[i] = saved;
      EXPECT_NEAR(p.grad().data<double>()[i], (plus - minus) / (2 * eps), 1e-7) << "element " << i;
    }
  }
}

TEST(LayerRegularizer, RegularizationLossSumsEveryPenalizedParameter) {
  Generator gen(4);
  nn::Dense a({.in = 3, .out = 2, .dtype = DType::f64, .kernel_regularizer = nn::l1(0.1),
               .bias_regularizer = nn::l2(0.2)},
              gen);
  nn::Dense b({.in = 2, .out = 2, .dtype = DType::f64, .kernel_regularizer = nn::l2(0.3)}, gen);
  const double expected =
      nn::l1(0.1)(a.weight()).item() + nn::l2(0.2)(a.bias()).item() + nn::l2(0.3)(b.weight()).item();
  nn::Sequential net{a, nn::ReLU(), b};  // copies share the parameters
  const Tensor loss = net.regularization_loss();
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_NEAR(loss.item(), expected, 1e-14);
  EXPECT_TRUE(loss.requires_grad());
  EXPECT_NEAR(a.regularization_loss().item(), nn::l1(0.1)(a.weight()).item() + nn::l2(0.2)(a.bias()).item(), 1e-14);
}

TEST(LayerRegularizer, WithoutRegularizersTheLossIsAConstantZero) {
  nn::Sequential net{nn::Dense(3, 2), nn::ReLU()};
  const Tensor zero = net.regularization_loss();
  EXPECT_EQ(zero.item(), 0);
  EXPECT_EQ(zero.dtype(), DType::f32);
  EXPECT_FALSE(zero.requires_grad());
  EXPECT_EQ(nn::Dense({.in = 1, .out = 1, .dtype = DType::f64}).regularization_loss().dtype(), DType::f64);
  EXPECT_EQ(nn::ReLU().regularization_loss().dtype(), DType::f32);
  // So a training loop may always add it.
  Tensor loss = mse_loss(net(ones({4, 3})), zeros({4, 2})) + net.regularization_loss();
  EXPECT_NO_THROW(loss.backward());
}

TEST(LayerRegularizer, OneSgdStepOfPureL2DecayShrinksTheWeight) {
  nn::Dense fc({.in = 2, .out = 2, .dtype = DType::f64, .kernel_regularizer = nn::l2(0.25)});
  const Tensor before = fc.weight().copy();
  optim::SGD opt(fc.parameters(), {.lr = 0.1});
  fc.regularization_loss().backward();
  opt.step();
  // w <- w - lr * 2 * l2 * w = 0.95 w; the bias has no penalty and no gradient.
  for (std::int64_t i = 0; i < 4; ++i)
    EXPECT_NEAR(fc.weight().data<double>()[i], 0.95 * before.data<double>()[i], 1e-15);
  EXPECT_FALSE(fc.bias().grad().defined());
}

TEST(LayerRegularizer, Errors) {
  EXPECT_TRUE(throws_error_with([] { nn::l1(-0.1); }, {"Regularizer", "l1", "-0.1"}));
  EXPECT_TRUE(throws_error_with([] { nn::l2(std::nan("")); }, {"Regularizer", "l2", "nan"}));
  EXPECT_TRUE(throws_error_with([] { nn::l1_l2(0.1, -1); }, {"l2", "-1"}));
  EXPECT_TRUE(throws_error_with([] { nn::Dense({.in = 2, .out = 2, .kernel_regularizer = nn::Regularizer{.l1 = -1}}); },
                                {"Dense weight", "l1", "-1"}));
  EXPECT_TRUE(throws_error_with([] { nn::Dense({.in = 2, .out = 2, .bias = false, .bias_regularizer = nn::l2()}); },
                                {"Dense", "bias_regularizer", "bias = false"}));
  EXPECT_TRUE(throws_error_with([] { nn::l1()(tensor({1, 2}, DType::i64)); }, {"Regularizer", "float32"}));
}

}  // namespace
}  // namespace soma
