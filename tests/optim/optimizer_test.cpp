// Tests for the Optimizer base (src/optim/optimizer.cpp): which parameters it accepts, that
// step() visits exactly those with a gradient, by index, outside the graph, and counts steps,
// zero_grad, and learning-rate validation.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/optim/optimizer.h"

namespace soma::optim {
namespace {

// Records every update() call instead of changing anything.
class Recorder : public Optimizer {
 public:
  using Optimizer::Optimizer;
  std::vector<std::size_t> indices;
  std::vector<double> first_grad;
  bool grad_mode_in_update = true;

 protected:
  void update(std::size_t index, Tensor&, const Tensor& grad) override {
    indices.push_back(index);
    first_grad.push_back(grad.to(DType::f64).data<double>()[0]);
    grad_mode_in_update = is_grad_enabled();
  }
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor param(double v) { return full({2}, v, DType::f64).set_requires_grad(); }

TEST(OptimOptimizer, StepUpdatesOnlyParametersWithAGradientByIndex) {
  Tensor a = param(1), b = param(2), c = param(3);
  Recorder opt({a, b, c}, 0.1);
  sum(a * 5.0 + c * 7.0).backward();
  opt.step();
  EXPECT_EQ(opt.indices, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(opt.first_grad, (std::vector<double>{5, 7}));
  EXPECT_FALSE(opt.grad_mode_in_update);
  EXPECT_TRUE(is_grad_enabled());
}

TEST(OptimOptimizer, StepsCountsEveryCall) {
  Tensor a = param(1);
  Recorder opt({a}, 0.1);
  EXPECT_EQ(opt.steps(), 0);
  opt.step();  // no gradient yet: nothing updated, but it is a step
  opt.step();
  EXPECT_EQ(opt.steps(), 2);
  EXPECT_TRUE(opt.indices.empty());
}

TEST(OptimOptimizer, ZeroGradForgetsEveryGradient) {
  Tensor a = param(1), b = param(2);
  Recorder opt({a, b}, 0.1);
  sum(a * b).backward();
  ASSERT_TRUE(a.grad().defined());
  ASSERT_TRUE(b.grad().defined());
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  opt.step();
  EXPECT_TRUE(opt.indices.empty());
}

TEST(OptimOptimizer, RejectsTensorsThatAreNotTrainableLeaves) {
  EXPECT_EQ(error_of([] { Recorder opt({param(1), zeros({2})}, 0.1); }),
            "optimizer: parameter 1 is not a leaf tensor that requires grad");
  Tensor a = param(1);
  const Tensor derived = a * 2.0;
  EXPECT_THROW(Recorder({derived}, 0.1), Error);
  EXPECT_THROW(Recorder({Tensor()}, 0.1), Error);
  EXPECT_NO_THROW(Recorder({}, 0.1));
}

TEST(OptimOptimizer, LearningRateMustBeNonNegative) {
  EXPECT_EQ(error_of([] { Recorder opt({param(1)}, -0.1); }), "optimizer: learning rate must be non-negative, got -0.1");
  EXPECT_THROW(Recorder({param(1)}, std::nan("")), Error);
  Recorder opt({param(1)}, 0.1);
  EXPECT_EQ(opt.lr(), 0.1);
  opt.set_lr(0.01);
  EXPECT_EQ(opt.lr(), 0.01);
  EXPECT_THROW(opt.set_lr(-1), Error);
  EXPECT_EQ(opt.lr(), 0.01);  // a rejected value changes nothing
}

TEST(OptimOptimizer, ParamsAreTheCallersTensors) {
  Tensor a = param(1);
  Recorder opt({a}, 0.1);
  ASSERT_EQ(opt.params().size(), 1u);
  EXPECT_TRUE(opt.params()[0].shares_storage(a));
}

}  // namespace
}  // namespace soma::optim
