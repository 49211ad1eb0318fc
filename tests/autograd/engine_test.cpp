// Tests for the backward engine (src/autograd/engine.cpp): seeding, errors, accumulation
// across passes, shared inputs and diamonds, retain_graph and the "already freed" error,
// copy-on-write in autograd::accumulate, 100,000-op chains (backward and plain destruction
// without deep recursion), and that a backward that throws leaves no stale gradients behind.
#include <gtest/gtest.h>

#include <pthread.h>

#include <cmath>
#include <functional>
#include <vector>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::values;
using test::error_message;

Tensor leaf(std::initializer_list<double> v) { return tensor(v, DType::f64).set_requires_grad(); }

TEST(AutogradEngine, ScalarBackwardSeedsWithOne) {
  Tensor x = leaf({1, -2, 3});
  sum(x * x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, -4, 6}));
}

TEST(AutogradEngine, BackwardOnALeafGivesOnes) {
  Tensor x = tensor({5}, DType::f64).set_requires_grad();
  x.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1}));
}

TEST(AutogradEngine, ExplicitGradientIsPropagatedAndLeftUnchanged) {
  Tensor x = leaf({1, 2, 3});
  const Tensor g = tensor({0.5, -1, 2}, DType::f64);
  (x * 3.0).backward(g);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1.5, -3, 6}));
  // x + x passes the seed straight through to both slots: the engine must not add into g.
  x.zero_grad();
  (x + x).backward(g);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, -2, 4}));
  EXPECT_EQ(values(g), (std::vector<double>{0.5, -1, 2}));
  // A leaf as root: its gradient must not alias the caller's tensor either.
  Tensor w = leaf({1, 1, 1});
  w.backward(g);
  w.backward(g);
  EXPECT_EQ(values(w.grad()), (std::vector<double>{1, -2, 4}));
  EXPECT_EQ(values(g), (std::vector<double>{0.5, -1, 2}));
}

TEST(AutogradEngine, NonScalarBackwardWithoutGradientThrows) {
  Tensor x = leaf({1, 2, 3});
  const Tensor y = x * 2.0;
  EXPECT_EQ(error_message([&] { y.backward(); }),
            "backward: without a gradient argument the tensor must have one element (a loss), but it has shape [3]");
}

TEST(AutogradEngine, GradientOfTheWrongShapeOrDtypeThrows) {
  Tensor x = leaf({1, 2, 3});
  const Tensor y = x * 2.0;
  EXPECT_EQ(error_message([&] { y.backward(ones({2}, DType::f64)); }),
            "backward: gradient of shape [2] (float64) given for a tensor of shape [3] (float64)");
  EXPECT_THROW(y.backward(ones({3}, DType::f32)), Error);
}

TEST(AutogradEngine, BackwardWithoutGraphThrows) {
  const Tensor x = tensor({1, 2});
  EXPECT_THROW(sum(x).backward(), Error);
  EXPECT_EQ(error_message([] { Tensor().backward(); }), "backward: the tensor is undefined");
}

TEST(AutogradEngine, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1, 2});
  sum(x * 2.0).backward();
  sum(x * x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2 + 2, 2 + 4}));
}

TEST(AutogradEngine, ZeroGradStartsAFreshSum) {
  Tensor x = leaf({1, 2});
  sum(x * 2.0).backward();
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x * 5.0).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 5}));
}

TEST(AutogradEngine, SharedInputSumsItsGradients) {
  Tensor x = leaf({0.5, -1, 2});
  sum(x * x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, -2, 4}));
  // Two branches: d/dx [sigmoid(x) + 3x] = s(1 - s) + 3.
  x.zero_grad();
  sum(sigmoid(x) + x * 3.0).backward();
  const auto g = values(x.grad());
  const std::vector<double> xs{0.5, -1, 2};
  for (int i = 0; i < 3; ++i) {
    const double s = 1 / (1 + std::exp(-xs[i]));
    EXPECT_NEAR(g[i], s * (1 - s) + 3, 1e-12);
  }
}

TEST(AutogradEngine, DiamondWaitsForAllConsumersBeforePropagating) {
  Tensor x = leaf({1, 2});
  const Tensor a = x * 2.0;
  const Tensor d = a * 3.0 + a * 4.0;  // d = 14 x, a reaches d by two paths
  sum(d).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{14, 14}));
}

TEST(AutogradEngine, LadderOfSharedNodesGetsExactGradient) {
  // h <- h + 0.5 h, fifty times: every node has two consumers; dh/dx = 1.5^50.
  Tensor x = leaf({1});
  Tensor h = x;
  for (int i = 0; i < 50; ++i) h = h + h * 0.5;
  h.backward();
  EXPECT_NEAR(x.grad().item(), std::pow(1.5, 50), std::pow(1.5, 50) * 1e-12);
}

TEST(AutogradEngine, RetainGraphAllowsASecondBackward) {
  Tensor x = leaf({1, 3});
  const Tensor y = sum(x * x);
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 12}));
}

TEST(AutogradEngine, SecondBackwardWithoutRetainGraphThrows) {
  Tensor x = leaf({1, 3});
  const Tensor y = sum(x * x);
  y.backward();
  EXPECT_EQ(error_message([&] { y.backward(); }),
            "sum: backward through a graph that was already freed; pass retain_graph = true to the first backward()");
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 6}));  // the failed pass added nothing
  // A second root that shares the freed part of the graph fails the same way.
  Tensor w = leaf({2});
  const Tensor h = w * w;
  const Tensor first = h * 2.0, second = h * 3.0;
  first.backward();
  EXPECT_NE(error_message([&] { second.backward(); }).find("already freed"), std::string::npos);
}

TEST(AutogradEngine, IntermediateTensorsHaveNoGradAndAreNotLeaves) {
  Tensor x = leaf({1});
  const Tensor y = x * 2.0;
  sum(y * 3.0).backward();
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_FALSE(y.grad().defined());
  EXPECT_EQ(x.grad().item(), 6);
}

TEST(AutogradEngine, ConstantInputsReceiveNoGradient) {
  Tensor x = leaf({1, 2});
  Tensor c = tensor({3, 4}, DType::f64);
  sum(x * c).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 4}));
  EXPECT_FALSE(c.grad().defined());
  EXPECT_FALSE(c.requires_grad());
}

TEST(AutogradEngine, PassThroughGradientIsNotSharedBetweenInputs) {
  // add hands the same buffer to a and b; a then gets more from a second path. If the engine
  // added that in place into the shared buffer, b's gradient would change too.
  Tensor a = leaf({1, 2}), b = leaf({3, 4});
  const Tensor w = tensor({10, 20}, DType::f64), c = tensor({100, 200}, DType::f64);
  sum((a + b) * w + a * c).backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{110, 220}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{10, 20}));
  // The same at the leaves: a's stored gradient must not alias b's for the next accumulation.
  Tensor p = leaf({1, 1}), q = leaf({1, 1});
  const Tensor g = tensor({1, 2}, DType::f64);
  (p + q).backward(g);
  sum(p * 5.0).backward();
  EXPECT_EQ(values(p.grad()), (std::vector<double>{6, 7}));
  EXPECT_EQ(values(q.grad()), (std::vector<double>{1, 2}));
}

TEST(AutogradEngine, GradientHeldByTheUserIsNotChangedByLaterPasses) {
  Tensor x = leaf({1, 2});
  sum(x * 2.0).backward();
  const Tensor held = x.grad();
  sum(x * 3.0).backward();
  EXPECT_EQ(values(held), (std::vector<double>{2, 2}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 5}));
}

TEST(AutogradAccumulate, StealsAnUnsharedGradientAndCopiesASharedOne) {
  Tensor sum_;
  Tensor g = tensor({1, 2}, DType::f64);
  const void* data = g.raw_data();
  autograd::accumulate(sum_, std::move(g));
  EXPECT_EQ(sum_.raw_data(), data);  // stolen: no one else could see it

  Tensor sum2;
  Tensor shared = tensor({1, 2}, DType::f64);
  const Tensor other = shared;
  autograd::accumulate(sum2, Tensor(shared));
  EXPECT_FALSE(sum2.shares_storage(other));
  EXPECT_EQ(values(sum2), (std::vector<double>{1, 2}));

  Tensor sum3;
  Tensor base = tensor({1, 2}, DType::f64);
  autograd::accumulate(sum3, base.detach());  // another handle on the same storage
  EXPECT_FALSE(sum3.shares_storage(base));
}

TEST(AutogradAccumulate, AddsInPlaceOnlyWhenNoOneElseSeesTheSum) {
  Tensor sum_ = tensor({1, 2}, DType::f64);
  const void* data = sum_.raw_data();
  autograd::accumulate(sum_, tensor({10, 20}, DType::f64));
  EXPECT_EQ(sum_.raw_data(), data);
  EXPECT_EQ(values(sum_), (std::vector<double>{11, 22}));

  const Tensor observer = sum_;
  autograd::accumulate(sum_, tensor({100, 200}, DType::f64));
  EXPECT_EQ(values(sum_), (std::vector<double>{111, 222}));
  EXPECT_EQ(values(observer), (std::vector<double>{11, 22}));
  EXPECT_FALSE(sum_.shares_storage(observer));
}

TEST(AutogradAccumulate, RejectsAGradientOfAnotherSize) {
  Tensor sum_ = zeros({3}, DType::f64);
  EXPECT_THROW(autograd::accumulate(sum_, zeros({4}, DType::f64)), Error);
}

TEST(AutogradAccumulate, LargeGradientsAddEveryElement) {
  // Above the parallel grain: the threaded loop must cover the whole range.
  const std::int64_t n = (1 << 17) + 3;
  Tensor sum_ = full({n}, 1, DType::f32);
  autograd::accumulate(sum_, full({n}, 2, DType::f32));
  const float* p = sum_.data<float>();
  for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(p[i], 3.0f) << i;
}

// Runs f on a thread with a 256 KiB stack, where recursion over 100,000 nodes would crash
// (the main thread's 8 MiB can hide it).
void on_small_stack(const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  const auto run = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(AutogradEngine, HundredThousandOpChainBackwardNeedsNoDeepStack) {
  constexpr int kOps = 100000;
  Tensor x = tensor({1}, DType::f64).set_requires_grad();
  on_small_stack([&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y * 1.0001;
    y.backward();
  });
  const double expected = std::pow(1.0001, kOps);  // about 22015
  ASSERT_TRUE(x.grad().defined());
  EXPECT_NEAR(x.grad().item(), expected, expected * 1e-9);
}

TEST(AutogradEngine, HundredThousandOpChainIsDestroyedWithoutBackward) {
  constexpr int kOps = 100000;
  Tensor x = tensor({0.1, 0.2}).set_requires_grad();
  bool built = false;
  on_small_stack([&] {
    {
      Tensor y = x;
      for (int i = 0; i < kOps; ++i) y = sigmoid(y);
      built = y.requires_grad();
    }  // y, and with it the whole chain, dies here
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y * 1.0f;
    y.backward(ones({2}), /*retain_graph=*/true);  // the retained graph dies with y
  });
  EXPECT_TRUE(built);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1}));
}

// A one-input op whose backward throws, to test the engine's state after an error.
Tensor failing_op(const Tensor& x) {
  Tensor y = x.copy();
  if (autograd::needs_grad(x))
    autograd::record(y, "failing_op", {&x}, [](const Tensor&, autograd::Grads&) {
      detail::throw_error("failing_op: no gradient");
    });
  return y;
}

TEST(AutogradEngine, FailedBackwardLeavesNoStaleGradients) {
  Tensor x = leaf({1, 2});
  // The engine visits x * 3 (sending 3 to x's node) before failing_op throws.
  const Tensor loss = sum(failing_op(x) + x * 3.0);
  EXPECT_EQ(error_message([&] { loss.backward(); }), "failing_op: no gradient");
  EXPECT_FALSE(x.grad().defined());
  sum(x * 5.0).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 5}));
  EXPECT_TRUE(is_grad_enabled());  // the engine's NoGradGuard was unwound
}

}  // namespace
}  // namespace soma
