// AdaGrad: option checks (errors name AdaGrad and the option) and hand-computed steps for the
// accumulator, its initial value and the lr decay. Trajectories against PyTorch are in
// optim_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "optim_support.h"
#include "soma/optim/adagrad.h"

namespace soma::optim {
namespace {

using test::expect_error;

std::vector<Tensor> one_param(double value) { return {full({1}, value, DType::f64).set_requires_grad()}; }

void step_with_gradient(Optimizer& opt, double g) {
  Tensor p = opt.params()[0];
  p.set_grad(full({1}, g, DType::f64));
  opt.step();
}

TEST(OptimAdaGrad, ChecksOptions) {
  expect_error([] { AdaGrad(one_param(1), {.lr = -1}); }, "AdaGrad: lr must be >= 0, got -1");
  expect_error([] { AdaGrad(one_param(1), {.lr_decay = -0.1}); }, "AdaGrad: lr_decay must be >= 0, got -0.1");
  expect_error([] { AdaGrad(one_param(1), {.weight_decay = -0.1}); }, "AdaGrad: weight_decay must be >= 0");
  expect_error([] { AdaGrad(one_param(1), {.initial_accumulator_value = -1}); },
               "AdaGrad: initial_accumulator_value must be >= 0");
  expect_error([] { AdaGrad(one_param(1), {.eps = -1e-10}); }, "AdaGrad: eps must be >= 0");
}

TEST(OptimAdaGrad, Defaults) {
  const AdaGradOptions o;
  EXPECT_EQ(o.lr, 1e-2);
  EXPECT_EQ(o.lr_decay, 0);
  EXPECT_EQ(o.weight_decay, 0);
  EXPECT_EQ(o.initial_accumulator_value, 0);
  EXPECT_EQ(o.eps, 1e-10);
}

TEST(OptimAdaGrad, AccumulatesSquares) {
  AdaGrad opt(one_param(1), {.lr = 0.1});
  step_with_gradient(opt, 2);
  double p = 1 - 0.1 * 2 / (2 + 1e-10);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), p);
  step_with_gradient(opt, 2);
  p -= 0.1 * 2 / (std::sqrt(8.0) + 1e-10);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), p);
  EXPECT_DOUBLE_EQ(opt.state_dict().at("state.0.sum").item(), 8);
}

TEST(OptimAdaGrad, InitialAccumulatorAndLrDecay) {
  AdaGrad opt(one_param(0), {.lr = 0.1, .lr_decay = 0.5, .initial_accumulator_value = 1, .eps = 0});
  step_with_gradient(opt, 2);  // sum 1 + 4, clr = lr
  double p = -0.1 * 2 / std::sqrt(5.0);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), p);
  step_with_gradient(opt, 1);  // sum 6, clr = lr / (1 + 0.5)
  p -= 0.1 / 1.5 * 1 / std::sqrt(6.0);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), p);
}

}  // namespace
}  // namespace soma::optim
