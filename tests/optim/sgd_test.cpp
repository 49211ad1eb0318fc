// SGD: option checks (errors name SGD and the option), hand-computed steps for plain,
// weight-decay, dampened-momentum and Nesterov updates, float32 parameters. Trajectories
// against PyTorch are in optim_reference_test.cpp.
#include <gtest/gtest.h>

#include "optim_support.h"
#include "soma/optim/sgd.h"

namespace soma::optim {
namespace {

using test::expect_error;

Tensor param(double value, DType dtype = DType::f64) { return full({1}, value, dtype).set_requires_grad(); }

void step_with_gradient(Optimizer& opt, double g) {
  Tensor p = opt.params()[0];
  p.set_grad(full({1}, g, p.dtype()));
  opt.step();
}

TEST(OptimSGD, ChecksOptions) {
  auto p = [] { return std::vector<Tensor>{param(1)}; };
  expect_error([&] { SGD(p(), {.lr = -0.1}); }, "SGD: lr must be >= 0, got -0.1");
  expect_error([&] { SGD(p(), {.momentum = -0.5}); }, "SGD: momentum must be >= 0, got -0.5");
  expect_error([&] { SGD(p(), {.weight_decay = -1}); }, "SGD: weight_decay must be >= 0, got -1");
  expect_error([&] { SGD(p(), {.nesterov = true}); }, "SGD: nesterov requires momentum > 0 and dampening = 0");
  expect_error([&] { SGD(p(), {.momentum = 0.9, .dampening = 0.1, .nesterov = true}); },
               "SGD: nesterov requires momentum > 0 and dampening = 0, got momentum 0.9 and dampening 0.1");
  EXPECT_NO_THROW(SGD(p(), {.lr = 0}));
  EXPECT_NO_THROW(SGD(p(), {.momentum = 0.9, .nesterov = true}));
}

TEST(OptimSGD, PlainStep) {
  SGD opt({param(1)}, {.lr = 0.1});
  step_with_gradient(opt, 0.5);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 0.95);
  EXPECT_EQ(opt.state_dict().size(), 2u);  // no momentum: no per-parameter state
}

TEST(OptimSGD, WeightDecayAddsToGradient) {
  SGD opt({param(2)}, {.lr = 0.1, .weight_decay = 0.1});
  step_with_gradient(opt, 0);
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 2 - 0.1 * 0.2);
}

TEST(OptimSGD, MomentumBufferStartsUndampened) {
  SGD opt({param(1)}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
  step_with_gradient(opt, 1);  // b = g (no dampening at the first step)
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 0.9);
  step_with_gradient(opt, 1);  // b = 0.9 * 1 + 0.5 * 1
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 0.9 - 0.1 * 1.4);
  EXPECT_DOUBLE_EQ(opt.state_dict().at("state.0.momentum_buffer").item(), 1.4);
}

TEST(OptimSGD, NesterovLooksAhead) {
  SGD opt({param(1)}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  step_with_gradient(opt, 1);  // b = 1, d = g + 0.9 b
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 1 - 0.1 * 1.9);
  step_with_gradient(opt, 2);  // b = 0.9 + 2, d = 2 + 0.9 * 2.9
  EXPECT_DOUBLE_EQ(opt.params()[0].item(), 0.81 - 0.1 * (2 + 0.9 * 2.9));
}

TEST(OptimSGD, Float32Parameters) {
  SGD opt({param(1, DType::f32)}, {.lr = 0.25, .momentum = 0.5});
  step_with_gradient(opt, 2);
  step_with_gradient(opt, 2);
  EXPECT_EQ(opt.params()[0].dtype(), DType::f32);
  EXPECT_FLOAT_EQ(float(opt.params()[0].item()), 1.0f - 0.5f - 0.25f * 3.0f);
}

TEST(OptimSGD, ZeroLearningRateLeavesParameters) {
  SGD opt({param(3)}, {.lr = 0, .momentum = 0.9});
  step_with_gradient(opt, 5);
  EXPECT_EQ(opt.params()[0].item(), 3);
}

}  // namespace
}  // namespace soma::optim
