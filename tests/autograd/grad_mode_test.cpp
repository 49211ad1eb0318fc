// Tests for grad mode (src/autograd/grad_mode.cpp): NoGradGuard stops recording, nested
// guards restore the previous mode, the mode is per thread, and backward itself records nothing.
#include <gtest/gtest.h>

#include <thread>

#include "soma/autograd/function.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"

namespace soma {
namespace {

TEST(GradMode, EnabledByDefault) { EXPECT_TRUE(is_grad_enabled()); }

TEST(GradMode, NoGradGuardRecordsNothing) {
  Tensor x = tensor({1, 2}, DType::f64).set_requires_grad();
  Tensor y;
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(is_grad_enabled());
    y = sum(x * x);
  }
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  EXPECT_THROW(y.backward(), Error);
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(sum(x * x).requires_grad());  // recording resumes after the guard
}

TEST(GradMode, NestedGuardsRestoreThePreviousMode) {
  {
    NoGradGuard outer;
    {
      NoGradGuard inner;
      EXPECT_FALSE(is_grad_enabled());
    }
    EXPECT_FALSE(is_grad_enabled());  // the inner guard restores "disabled", not "enabled"
  }
  EXPECT_TRUE(is_grad_enabled());
}

TEST(GradMode, GuardAffectsOnlyItsThread) {
  NoGradGuard no_grad;
  bool other_thread_enabled = false;
  std::thread t([&] { other_thread_enabled = is_grad_enabled(); });
  t.join();
  EXPECT_TRUE(other_thread_enabled);
  EXPECT_FALSE(is_grad_enabled());
}

TEST(GradMode, BackwardFormulasRunWithoutRecording) {
  Tensor x = tensor({3}, DType::f64).set_requires_grad();
  bool enabled_inside = true;
  Tensor y = x.copy();
  autograd::record(y, "probe", {&x}, [&](const Tensor& gy, autograd::Grads& g) {
    enabled_inside = is_grad_enabled();
    g[0] = gy * 2.0;
  });
  y.backward();
  EXPECT_FALSE(enabled_inside);
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_FALSE(x.grad().requires_grad());
  EXPECT_EQ(x.grad().item(), 2);
}

TEST(GradMode, BackwardWorksInsideAGuard) {
  Tensor x = tensor({3}, DType::f64).set_requires_grad();
  const Tensor y = x * x;
  NoGradGuard no_grad;
  y.backward();
  EXPECT_EQ(x.grad().item(), 6);
  EXPECT_FALSE(is_grad_enabled());
}

}  // namespace
}  // namespace soma
