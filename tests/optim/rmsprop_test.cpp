// RMSprop: option checks (errors name RMSprop and the option) and hand-computed steps for
// the plain, centered and momentum forms. Trajectories against PyTorch are in
// optim_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "optim_support.h"
#include "soma/optim/rmsprop.h"

namespace soma::optim {
namespace {

using test::expect_error;

std::vector<Tensor> one_param(double value) { return {full({1}, value, DType::f64).set_requires_grad()}; }

void step_with_gradient(Optimizer& opt, double g) {
  Tensor p = opt.params()[0];
  p.set_grad(full({1}, g, DType::f64));
  opt.step();
}

TEST(OptimRMSprop, ChecksOptions) {
  expect_error([] { RMSprop(one_param(1), {.lr = -1}); }, "RMSprop: lr must be >= 0, got -1");
  expect_error([] { RMSprop(one_param(1), {.alpha = -0.9}); }, "RMSprop: alpha must be >= 0, got -0.9");
  expect_error([] { RMSprop(one_param(1), {.eps = -1}); }, "RMSprop: eps must be >= 0");
  expect_error([] { RMSprop(one_param(1), {.weight_decay = -1}); }, "RMSprop: weight_decay must be >= 0");
  expect_error([] { RMSprop(one_param(1), {.momentum = -0.1}); }, "RMSprop: momentum must be >= 0");
}

TEST(OptimRMSprop, Defaults) {
  const RMSpropOptions o;
  EXPECT_EQ(o.lr, 1e-2);
  EXPECT_EQ(o.alpha, 0.99);
  EXPECT_EQ(o.eps, 1e-8);
  EXPECT_EQ(o.weight_decay, 0);
  EXPECT_EQ(o.momentum, 0);
  EXPECT_FALSE(o.centered);
}

TEST(OptimRMSprop, PlainStep) {
  RMSprop opt(one_param(1), {.lr = 0.01, .alpha = 0.9});
  step_with_gradient(opt, 2);  // v = 0.1 * 4; eps outside the square root
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 1 - 0.01 * 2 / (std::sqrt(0.4) + 1e-8));
}

TEST(OptimRMSprop, CenteredSubtractsSquaredMean) {
  RMSprop opt(one_param(1), {.lr = 0.01, .alpha = 0.9, .eps = 0, .centered = true});
  step_with_gradient(opt, 2);  // v = 0.4, m = 0.2: v - m^2 = 0.36
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 1 - 0.01 * 2 / 0.6);
  const auto state = opt.state_dict();
  EXPECT_DOUBLE_EQ(state.at("state.0.grad_avg").item(), 0.2);
  EXPECT_EQ(state.count("state.0.momentum_buffer"), 0u);
}

TEST(OptimRMSprop, MomentumAccumulatesNormalizedGradient) {
  RMSprop opt(one_param(1), {.lr = 0.01, .alpha = 0.5, .eps = 0, .momentum = 0.5});
  step_with_gradient(opt, 2);  // v = 2, b = 2 / sqrt(2)
  const double b1 = 2 / std::sqrt(2.0);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 1 - 0.01 * b1);
  step_with_gradient(opt, 2);  // v = 1 + 2 = 3, b = 0.5 b1 + 2 / sqrt(3)
  const double b2 = 0.5 * b1 + 2 / std::sqrt(3.0);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 1 - 0.01 * b1 - 0.01 * b2);
  EXPECT_DOUBLE_EQ(opt.state_dict().at("state.0.momentum_buffer").item(), b2);
}

}  // namespace
}  // namespace soma::optim
