// Tests for Tensor's autograd methods (src/autograd/tensor_grad.cpp): set_requires_grad on
// leaves, non-leaves and int64 tensors, is_leaf, grad/set_grad/zero_grad, and detach.
#include <gtest/gtest.h>

#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::error_message;

TEST(TensorGrad, FreshTensorIsALeafWithoutGrad) {
  const Tensor x = zeros({2});
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(x.requires_grad());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(Tensor().requires_grad());
}

TEST(TensorGrad, SetRequiresGradMarksAndUnmarksALeaf) {
  Tensor x = zeros({2});
  Tensor& same = x.set_requires_grad();
  EXPECT_EQ(&same, &x);
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  x.set_requires_grad();  // idempotent
  sum(x * 2.0f).backward();
  EXPECT_TRUE(x.grad().defined());
  x.set_requires_grad(false);
  EXPECT_FALSE(x.requires_grad());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(sum(x * 2.0f).requires_grad());
}

TEST(TensorGrad, SetRequiresGradOnANonLeafThrows) {
  Tensor x = zeros({2}).set_requires_grad();
  Tensor y = x * 2.0f;
  EXPECT_EQ(error_message([&] { y.set_requires_grad(); }),
            "set_requires_grad: only leaf tensors can change requires_grad; this one is the output of mul "
            "(use detach() to make a leaf)");
  EXPECT_THROW(y.set_requires_grad(false), Error);
  EXPECT_TRUE(y.requires_grad());
}

TEST(TensorGrad, SetRequiresGradOnInt64Throws) {
  Tensor labels = zeros({3}, DType::i64);
  EXPECT_EQ(error_message([&] { labels.set_requires_grad(); }),
            "set_requires_grad: only float32/float64 tensors can require grad, got int64");
  EXPECT_FALSE(labels.requires_grad());
  EXPECT_NO_THROW(labels.set_requires_grad(false));
}

TEST(TensorGrad, SetGradReplacesAndClearsTheGradient) {
  Tensor x = zeros({2}, DType::f64).set_requires_grad();
  x.set_grad(tensor({1, 2}, DType::f64));
  EXPECT_EQ(x.grad().at({1}), 2);
  sum(x * 3.0).backward();  // backward adds to a set gradient
  EXPECT_EQ(x.grad().at({1}), 5);
  x.set_grad(Tensor());
  EXPECT_FALSE(x.grad().defined());
}

TEST(TensorGrad, SetGradChecksShapeDtypeAndLeaf) {
  Tensor x = zeros({2}, DType::f64).set_requires_grad();
  EXPECT_EQ(error_message([&] { x.set_grad(zeros({3}, DType::f64)); }),
            "set_grad: gradient of shape [3] (float64) for a tensor of shape [2] (float64)");
  EXPECT_EQ(error_message([&] { x.set_grad(zeros({2}, DType::f32)); }),
            "set_grad: gradient of shape [2] (float32) for a tensor of shape [2] (float64)");
  Tensor plain = zeros({2});
  EXPECT_EQ(error_message([&] { plain.set_grad(zeros({2})); }), "set_grad: the tensor is not a leaf that requires grad");
  Tensor y = x * 2.0;
  EXPECT_THROW(y.set_grad(zeros({2}, DType::f64)), Error);
}

TEST(TensorGrad, ZeroGradForgetsTheGradientAndIgnoresOtherTensors) {
  Tensor x = zeros({2}).set_requires_grad();
  sum(x * 2.0f).backward();
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  Tensor plain = zeros({2});
  EXPECT_NO_THROW(plain.zero_grad());
  Tensor y = x * 2.0f;
  EXPECT_NO_THROW(y.zero_grad());
}

TEST(TensorGrad, DetachSharesDataButCutsTheGraph) {
  Tensor x = tensor({2, 3}, DType::f64).set_requires_grad();
  const Tensor y = x * 2.0;
  const Tensor d = y.detach();
  EXPECT_TRUE(d.shares_storage(y));
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.at({1}), 6);
  // Only the attached factor carries gradient: d/dx [detach(x) * x] = x.
  sum(x.detach() * x).backward();
  EXPECT_EQ(x.grad().at({0}), 2);
  EXPECT_EQ(x.grad().at({1}), 3);
  // A detached tensor can become a new leaf of its own.
  Tensor leaf = y.detach();
  leaf.set_requires_grad();
  sum(leaf * 4.0).backward();
  EXPECT_EQ(leaf.grad().at({0}), 4);
  EXPECT_EQ(x.grad().at({0}), 2);
}

TEST(TensorGrad, CopyIntoAParameterNeedsNoGradAndMatchingShapeAndDtype) {
  const Tensor w = zeros({2, 2}).set_requires_grad();
  const Tensor alias = w;  // another handle to the same data (a layer's weight())
  const Tensor src = tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(error_message([&] { w.copy_(src); }),
            "copy_: the tensor requires grad, so an in-place copy must run without recording (wrap it in a "
            "NoGradGuard, PyTorch's torch.no_grad())");
  EXPECT_EQ(w.at({1, 0}), 0) << "a refused copy changes nothing";
  {
    NoGradGuard no_grad;
    w.copy_(src);
  }
  EXPECT_EQ(alias.at({1, 0}), 3);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  NoGradGuard no_grad;
  EXPECT_EQ(error_message([&] { w.copy_(zeros({4})); }), "copy_: source of shape [4] into a tensor of shape [2, 2]");
  EXPECT_EQ(error_message([&] { w.copy_(zeros({2, 2}, DType::f64)); }),
            "copy_: source is float64 but the tensor is float32 (convert it with to())");
  EXPECT_EQ(error_message([&] { w.copy_(Tensor()); }), "copy_: the source is undefined");
}

}  // namespace
}  // namespace soma
