// Adam and AdamW: option checks (errors name the optimizer and the option), the first step's
// size (bias correction makes it lr * g / (|g| + eps)), AMSGrad's running maximum, L2 versus
// decoupled weight decay, and float32 tracking float64. Trajectories against PyTorch are in
// optim_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "optim_support.h"
#include "soma/optim/adam.h"
#include "soma/optim/adamw.h"

namespace soma::optim {
namespace {

using test::expect_error;

std::vector<Tensor> one_param(double value) { return {full({1}, value, DType::f64).set_requires_grad()}; }

void step_with_gradient(Optimizer& opt, double g) {
  Tensor p = opt.params()[0];
  p.set_grad(full({1}, g, DType::f64));
  opt.step();
}

TEST(OptimAdam, ChecksOptions) {
  expect_error([] { Adam(one_param(1), {.lr = -1e-3}); }, "Adam: lr must be >= 0, got -0.001");
  expect_error([] { Adam(one_param(1), {.betas = {1.0, 0.999}}); }, "Adam: betas[0] must be in [0, 1), got 1");
  expect_error([] { Adam(one_param(1), {.betas = {0.9, -0.1}}); }, "Adam: betas[1] must be in [0, 1), got -0.1");
  expect_error([] { Adam(one_param(1), {.eps = -1}); }, "Adam: eps must be >= 0, got -1");
  expect_error([] { Adam(one_param(1), {.weight_decay = -1}); }, "Adam: weight_decay must be >= 0, got -1");
  expect_error([] { AdamW(one_param(1), {.lr = -1}); }, "AdamW: lr must be >= 0");
  expect_error([] { AdamW(one_param(1), {.betas = {0.9, 1.5}}); }, "AdamW: betas[1] must be in [0, 1), got 1.5");
  expect_error([] { AdamW(one_param(1), {.weight_decay = -0.01}); }, "AdamW: weight_decay must be >= 0");
  EXPECT_NO_THROW(Adam(one_param(1), {.betas = {0.0, 0.0}}));
}

TEST(OptimAdam, Defaults) {
  const AdamOptions a;
  EXPECT_EQ(a.lr, 1e-3);
  EXPECT_EQ(a.betas[0], 0.9);
  EXPECT_EQ(a.betas[1], 0.999);
  EXPECT_EQ(a.eps, 1e-8);
  EXPECT_EQ(a.weight_decay, 0);
  EXPECT_FALSE(a.amsgrad);
  const AdamWOptions w;
  EXPECT_EQ(w.lr, 1e-3);
  EXPECT_EQ(w.weight_decay, 1e-2);
  EXPECT_FALSE(w.amsgrad);
}

TEST(OptimAdam, FirstStepIsLrTimesSign) {
  // m_hat = g and v_hat = g^2 after the first step: p <- p - lr * g / (|g| + eps).
  Adam opt(one_param(1), {.lr = 0.1});
  step_with_gradient(opt, -3);
  EXPECT_NEAR(opt.params()[0].item(), 1 + 0.1 * 3 / (3 + 1e-8), 1e-15);
  const auto state = opt.state_dict();
  EXPECT_NEAR(state.at("state.0.exp_avg").item(), -0.3, 1e-15);
  EXPECT_NEAR(state.at("state.0.exp_avg_sq").item(), 0.009, 1e-15);
}

TEST(OptimAdam, SecondStepUsesBiasCorrection) {
  Adam opt(one_param(0), {.lr = 0.1, .betas = {0.5, 0.75}, .eps = 0});
  step_with_gradient(opt, 1);
  step_with_gradient(opt, 3);
  // m = 0.5 * 0.5 + 0.5 * 3 = 1.75, v = 0.75 * 0.25 + 0.25 * 9 = 2.4375.
  const double m_hat = 1.75 / (1 - 0.25), v_hat = 2.4375 / (1 - 0.5625);
  EXPECT_NEAR(opt.params()[0].item(), -0.1 - 0.1 * m_hat / std::sqrt(v_hat), 1e-15);
}

TEST(OptimAdam, AmsgradKeepsRunningMaximum) {
  Adam opt(one_param(0), {.lr = 0.01, .amsgrad = true});
  step_with_gradient(opt, 10);
  for (int i = 0; i < 5; ++i) step_with_gradient(opt, 0.1);
  const auto state = opt.state_dict();
  const double v = state.at("state.0.exp_avg_sq").item(), v_max = state.at("state.0.max_exp_avg_sq").item();
  EXPECT_LT(v, v_max);
  EXPECT_NEAR(v_max, 0.1, 1e-15);
}

TEST(OptimAdam, WeightDecayIsL2InAdamAndDecoupledInAdamW) {
  // With a zero gradient Adam still moves (the L2 term is the gradient), by about lr;
  // AdamW only shrinks the parameter by 1 - lr * weight_decay.
  Adam adam(one_param(2), {.lr = 0.1, .weight_decay = 0.5});
  step_with_gradient(adam, 0);
  EXPECT_NEAR(adam.params()[0].item(), 2 - 0.1, 1e-8);
  AdamW adamw(one_param(2), {.lr = 0.1, .weight_decay = 0.5});
  step_with_gradient(adamw, 0);
  EXPECT_DOUBLE_EQ(adamw.params()[0].item(), 2 * (1 - 0.1 * 0.5));
}

TEST(OptimAdam, Float32TracksFloat64) {
  const auto problem = test::fixed_problem();
  auto p64 = test::make_params(problem, DType::f64);
  auto p32 = test::make_params(problem, DType::f32);
  AdamW a64(p64, {.lr = 0.05, .amsgrad = true});
  AdamW a32(p32, {.lr = 0.05, .amsgrad = true});
  for (int s = 0; s < 100; ++s) {
    test::set_gradients(problem, p64);
    test::set_gradients(problem, p32);
    a64.step();
    a32.step();
  }
  for (std::size_t i = 0; i < p64.size(); ++i) {
    ASSERT_EQ(p32[i].dtype(), DType::f32);
    for (std::int64_t k = 0; k < p64[i].numel(); ++k)
      EXPECT_NEAR(p32[i].data<float>()[k], p64[i].data<double>()[k], 1e-4) << "parameter " << i << ", element " << k;
  }
}

}  // namespace
}  // namespace soma::optim
