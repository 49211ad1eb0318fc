// Tests for the test helper soma::test::gradcheck (tests/support/gradcheck.cpp): it accepts a
// correct backward and rejects a wrong one, one that leaves elements unwritten (caught by the
// NaN-poisoned storage) and one that sends no gradient at all.
#include "support/gradcheck.h"

#include <gtest/gtest.h>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"

namespace soma {
namespace {

using autograd::Grads;

// y = x^2 elementwise (float64) with a caller-chosen backward: backward(x, gy) -> gx.
template <class Backward>
Tensor square_with(const Tensor& x, Backward backward) {
  Tensor y = x.copy();
  double* p = y.data<double>();
  for (std::int64_t i = 0; i < y.numel(); ++i) p[i] *= p[i];
  if (autograd::needs_grad(x))
    autograd::record(y, "square", {&x}, [x = x.detach(), backward](const Tensor& gy, Grads& g) {
      g[0] = backward(x, gy);
    });
  return y;
}

// out[i] = scale * x[i] * gy[i] over the first `written` elements; the rest is left as allocated.
Tensor scaled_product(const Tensor& x, const Tensor& gy, double scale, std::int64_t written) {
  Tensor out(x.shape(), DType::f64);
  for (std::int64_t i = 0; i < written; ++i) out.data<double>()[i] = scale * x.data<double>()[i] * gy.data<double>()[i];
  return out;
}

TEST(Gradcheck, AcceptsACorrectBackward) {
  EXPECT_TRUE(test::gradcheck(
      [](const std::vector<Tensor>& in) {
        return square_with(in[0], [](const Tensor& x, const Tensor& gy) { return scaled_product(x, gy, 2, x.numel()); });
      },
      {test::random64({3, 4})}));
}

TEST(Gradcheck, RejectsAWrongBackward) {
  // d(x^2)/dx is 2x; this backward forgets the factor 2.
  EXPECT_FALSE(test::gradcheck(
      [](const std::vector<Tensor>& in) {
        return square_with(in[0], [](const Tensor& x, const Tensor& gy) { return scaled_product(x, gy, 1, x.numel()); });
      },
      {test::random64({3, 4})}));
}

TEST(Gradcheck, RejectsABackwardThatLeavesElementsUnwritten) {
  EXPECT_FALSE(test::gradcheck(
      [](const std::vector<Tensor>& in) {
        return square_with(in[0], [](const Tensor& x, const Tensor& gy) { return scaled_product(x, gy, 2, x.numel() - 1); });
      },
      {test::random64({3, 4})}));
}

TEST(Gradcheck, RejectsAnOpThatSendsNoGradient) {
  EXPECT_FALSE(test::gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor y = in[0].copy();
        autograd::record(y, "nothing", {&in[0]}, [](const Tensor&, Grads&) {});
        return y;
      },
      {test::random64({2})}));
}

TEST(Gradcheck, RejectsNonFloat64Inputs) {
  EXPECT_FALSE(test::gradcheck([](const std::vector<Tensor>& in) { return in[0]; }, {zeros({2})}));
}

}  // namespace
}  // namespace soma
