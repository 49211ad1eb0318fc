// Tests for autograd::record and needs_grad (include/soma/autograd/function.h): when an op
// must record, what the recorded node looks like, and which gradient slots the engine asks
// for and reads.
#include <gtest/gtest.h>

#include <vector>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"

namespace soma {
namespace {

using autograd::Grads;

TEST(AutogradRecord, NeedsGradOnlyWhenEnabledAndAnInputRequiresGrad) {
  Tensor a = zeros({2}), b = zeros({2});
  EXPECT_FALSE(autograd::needs_grad(a, b));
  b.set_requires_grad();
  EXPECT_TRUE(autograd::needs_grad(a, b));
  EXPECT_TRUE(autograd::needs_grad(std::span<const Tensor>(std::vector<Tensor>{a, b})));
  EXPECT_FALSE(autograd::needs_grad(std::span<const Tensor>(std::vector<Tensor>{a})));
  NoGradGuard no_grad;
  EXPECT_FALSE(autograd::needs_grad(a, b));
  EXPECT_FALSE(autograd::needs_grad(std::span<const Tensor>(std::vector<Tensor>{a, b})));
}

TEST(AutogradRecord, RecordedOutputIsANonLeafNamedAfterTheOp) {
  Tensor x = zeros({2}).set_requires_grad();
  Tensor y = x.copy();
  autograd::record(y, "my_op", {&x}, [](const Tensor& gy, Grads& g) { g[0] = gy; });
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  ASSERT_NE(autograd::node_of(y), nullptr);
  EXPECT_STREQ(autograd::node_of(y)->name(), "my_op");
  EXPECT_EQ(autograd::node_of(y)->next.size(), 1u);
}

TEST(AutogradRecord, OnlyInputsInTheGraphAreNeededAndReceiveGradient) {
  Tensor a = tensor({1, 2}, DType::f64).set_requires_grad();
  Tensor c = tensor({5, 5}, DType::f64);  // a constant
  Tensor b = tensor({3, 4}, DType::f64).set_requires_grad();
  std::vector<bool> needed;
  std::size_t slots = 0;
  Tensor y = a.copy();
  autograd::record(y, "three", {&a, &c, &b}, [&](const Tensor& gy, Grads& g) {
    slots = g.size();
    for (std::size_t i = 0; i < g.size(); ++i) {
      needed.push_back(g.needed(i));
      g[i] = gy.copy();  // also for the constant: the engine must ignore that slot
    }
  });
  y.backward(ones({2}, DType::f64));
  EXPECT_EQ(slots, 3u);
  EXPECT_EQ(needed, (std::vector<bool>{true, false, true}));
  EXPECT_TRUE(a.grad().defined());
  EXPECT_TRUE(b.grad().defined());
  EXPECT_FALSE(c.grad().defined());
}

TEST(AutogradRecord, UndefinedSlotMeansNoGradient) {
  Tensor a = tensor({1}, DType::f64).set_requires_grad();
  Tensor b = tensor({1}, DType::f64).set_requires_grad();
  Tensor y = a.copy();
  autograd::record(y, "half", {&a, &b}, [](const Tensor& gy, Grads& g) { g[0] = gy.copy(); });
  y.backward();
  EXPECT_EQ(a.grad().item(), 1);
  EXPECT_FALSE(b.grad().defined());
}

}  // namespace
}  // namespace soma
