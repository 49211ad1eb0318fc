// Tests for SGD (src/optim/sgd.cpp): p <- p - lr * grad checked by hand in float32 and
// float64, in place and outside the graph, parameters without a gradient left alone, and a
// short descent on a quadratic.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/optim/sgd.h"

namespace soma::optim {
namespace {

std::vector<double> values(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  return {d.data<double>(), d.data<double>() + d.numel()};
}

TEST(OptimSGD, StepSubtractsLearningRateTimesGradient) {
  Tensor p = tensor({1, 2, -3}, DType::f64).set_requires_grad();
  SGD opt({p}, {.lr = 0.25});
  p.set_grad(tensor({4, -8, 2}, DType::f64));
  opt.step();
  EXPECT_EQ(values(p), (std::vector<double>{0, 4, -3.5}));
  EXPECT_EQ(opt.steps(), 1);
}

TEST(OptimSGD, StepFromBackwardInFloat32) {
  Tensor p = tensor({1, -2}).set_requires_grad();
  SGD opt({p}, {.lr = 0.1});
  sum(p * p).backward();  // grad 2p
  opt.step();
  EXPECT_EQ(values(p), (std::vector<double>{1.0f - 0.1f * 2.0f, -2.0f - 0.1f * -4.0f}));
}

TEST(OptimSGD, UpdatesInPlaceAndKeepsParametersLeaves) {
  Tensor p = tensor({1, 2}).set_requires_grad();
  const Tensor handle = p;
  const void* data = p.raw_data();
  SGD opt({p}, {.lr = 1});
  sum(p * 3.0f).backward();
  opt.step();
  EXPECT_EQ(p.raw_data(), data);
  EXPECT_EQ(values(handle), (std::vector<double>{-2, -1}));
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(values(p.grad()), (std::vector<double>{3, 3}));  // step leaves the gradient alone
}

TEST(OptimSGD, ParametersWithoutGradientAreSkipped) {
  Tensor used = tensor({1}).set_requires_grad(), unused = tensor({5}).set_requires_grad();
  SGD opt({used, unused}, {.lr = 0.5});
  sum(used * 2.0f).backward();
  opt.step();
  EXPECT_EQ(used.item(), 0);
  EXPECT_EQ(unused.item(), 5);
  EXPECT_FALSE(unused.grad().defined());
}

TEST(OptimSGD, DefaultLearningRateIsPyTorchs) {
  Tensor p = tensor({1}).set_requires_grad();
  SGD opt({p});
  EXPECT_EQ(opt.lr(), 0.01);
}

TEST(OptimSGD, RejectsANegativeLearningRateAndNonTrainableTensors) {
  Tensor p = tensor({1}).set_requires_grad();
  EXPECT_THROW(SGD({p}, {.lr = -0.01}), Error);
  EXPECT_THROW(SGD({tensor({1})}), Error);
}

TEST(OptimSGD, ZeroGradThenStepLeavesParametersAlone) {
  Tensor p = tensor({1, 2}).set_requires_grad();
  SGD opt({p}, {.lr = 0.1});
  sum(p).backward();
  opt.zero_grad();
  opt.step();
  EXPECT_EQ(values(p), (std::vector<double>{1, 2}));
}

TEST(OptimSGD, DescendsAQuadraticToItsMinimum) {
  // f(p) = sum((p - t)^2): each step multiplies the error by (1 - 2 lr) = 0.8.
  Tensor p = zeros({3}, DType::f64).set_requires_grad();
  const Tensor target = tensor({1, -2, 3}, DType::f64);
  SGD opt({p}, {.lr = 0.1});
  for (int i = 0; i < 50; ++i) {
    opt.zero_grad();
    const Tensor d = p - target;
    sum(d * d).backward();
    opt.step();
  }
  const auto v = values(p);
  const std::vector<double> t{1, -2, 3};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(v[i], t[i] * (1 - std::pow(0.8, 50)), 1e-12);
  EXPECT_EQ(opt.steps(), 50);
}

}  // namespace
}  // namespace soma::optim
