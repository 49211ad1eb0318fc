// Tests of include/soma/ops/dropout.h: a float64 gradcheck with a fixed mask, the statistics
// of the drawn mask over 100k elements (fraction kept 1 - p, mean preserved), reproducibility
// from a seed and across thread counts, the identity in eval mode and at p = 0, zeros at p = 1,
// that backward reuses the forward's mask, and the errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/dropout.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using In = const std::vector<Tensor>&;

bool same_values(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  const Tensor x = a.to(DType::f64), y = b.to(DType::f64);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (x.data<double>()[i] != y.data<double>()[i]) return false;
  return true;
}

TEST(LayerDropoutOp, GradcheckWithFixedMask) {
  Generator gen(3);
  const Tensor mask = bernoulli({4, 6}, 0.6, gen, DType::f64);
  EXPECT_TRUE(gradcheck([&](In in) { return dropout_with_mask(in[0], mask, 1 / 0.6); }, {random64({4, 6})}));
}

TEST(LayerDropoutOp, WithMaskMultipliesByMaskAndScale) {
  const Tensor x = tensor({1, -2, 3, 4}, DType::f64);
  const Tensor mask = tensor({1, 0, 1, 0}, DType::f64);
  EXPECT_TRUE(test::values_near(dropout_with_mask(x, mask, 2), {4}, DType::f64, {2, 0, 6, 0}));
}

TEST(LayerDropoutOp, FractionKeptIsOneMinusPAndMeanIsPreserved) {
  for (double p : {0.1, 0.5, 0.8}) {
    Generator gen(11);
    const std::int64_t n = 100000;
    const Tensor x = ones({n}, DType::f64);
    const Tensor y = dropout(x, p, true, gen);
    const double* py = y.data<double>();
    std::int64_t kept = 0;
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      if (py[i] != 0) {
        ++kept;
        EXPECT_DOUBLE_EQ(py[i], 1 / (1 - p)) << "kept values are scaled by 1/(1 - p)";
      }
      total += py[i];
    }
    // Binomial(n, 1 - p): five standard deviations.
    const double sd = std::sqrt(p * (1 - p) / double(n));
    EXPECT_NEAR(double(kept) / double(n), 1 - p, 5 * sd) << "p = " << p;
    EXPECT_NEAR(total / double(n), 1.0, 5 * sd / (1 - p)) << "the expectation of each element is x (p = " << p << ")";
  }
}

TEST(LayerDropoutOp, SameSeedSameMaskOtherSeedOtherMask) {
  const Tensor x = random64({50, 40});
  Generator a(5), b(5), c(6);
  const Tensor ya = dropout(x, 0.3, true, a), yb = dropout(x, 0.3, true, b), yc = dropout(x, 0.3, true, c);
  EXPECT_TRUE(same_values(ya, yb));
  EXPECT_FALSE(same_values(ya, yc));
  // The generator advances: the next mask differs from the first.
  EXPECT_FALSE(same_values(dropout(x, 0.3, true, a), ya));
}

TEST(LayerDropoutOp, MaskDoesNotDependOnTheThreadCount) {
  const int saved = num_threads();
  const Tensor x = ones({300, 400}, DType::f32);  // above the parallel grain of the multiply
  set_num_threads(1);
  Generator g1(9);
  const Tensor one = dropout(x, 0.4, true, g1);
  set_num_threads(2);
  Generator g2(9);
  const Tensor two = dropout(x, 0.4, true, g2);
  set_num_threads(saved);
  EXPECT_TRUE(same_values(one, two));
}

TEST(LayerDropoutOp, EvalModeAndZeroPAreTheIdentity) {
  Tensor x = random64({3, 4});
  x.set_requires_grad();
  Generator gen(1);
  const std::string before = gen.state();
  for (const Tensor& y : {dropout(x, 0.5, false, gen), dropout(x, 0.0, true, gen)}) {
    EXPECT_TRUE(y.shares_storage(x));
    EXPECT_TRUE(same_values(y, x));
  }
  EXPECT_EQ(gen.state(), before) << "no random draw when nothing is dropped";
  dropout(x, 0.5, false, gen).backward(ones({3, 4}, DType::f64));
  EXPECT_TRUE(same_values(x.grad(), ones({3, 4}, DType::f64)));
}

TEST(LayerDropoutOp, PEqualOneGivesZerosAndZeroGradient) {
  Tensor x = random64({3, 4});
  x.set_requires_grad();
  Generator gen(1);
  const std::string before = gen.state();
  const Tensor y = dropout(x, 1.0, true, gen);
  EXPECT_EQ(gen.state(), before) << "nothing to draw when everything is dropped";
  EXPECT_TRUE(same_values(y, zeros({3, 4}, DType::f64)));
  y.backward(ones({3, 4}, DType::f64));
  EXPECT_TRUE(same_values(x.grad(), zeros({3, 4}, DType::f64)));
}

TEST(LayerDropoutOp, BackwardUsesTheForwardMask) {
  Tensor x = random64({20, 30}, 2, 3.0, 0.5);  // no zeros, so y == 0 exactly where dropped
  x.set_requires_grad();
  Generator gen(4);
  const Tensor y = dropout(x, 0.5, true, gen);
  y.backward(ones({20, 30}, DType::f64));
  const double *py = y.data<double>(), *px = x.data<double>(), *pg = x.grad().data<double>();
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    EXPECT_DOUBLE_EQ(pg[i], py[i] == 0 ? 0.0 : 2.0) << i;
    if (py[i] != 0) EXPECT_DOUBLE_EQ(py[i], 2 * px[i]) << i;
  }
}

TEST(LayerDropoutOp, Float32KeepsItsDtype) {
  Generator gen(1);
  const Tensor y = dropout(ones({10}), 0.5, true, gen);
  EXPECT_EQ(y.dtype(), DType::f32);
}

TEST(LayerDropoutOp, Errors) {
  Generator gen(1);
  const Tensor x = random64({2, 3});
  EXPECT_TRUE(throws_error_with([&] { dropout(x, 1.5, true, gen); }, {"dropout", "[0, 1]", "1.5"}));
  EXPECT_TRUE(throws_error_with([&] { dropout(x, -0.1, true, gen); }, {"dropout", "-0.1"}));
  EXPECT_TRUE(throws_error_with([&] { dropout(x, std::nan(""), true, gen); }, {"dropout", "nan"}));
  EXPECT_NO_THROW(dropout(x, 1.0, true, gen));
  EXPECT_TRUE(throws_error_with([&] { dropout(tensor({1, 2}, DType::i64), 0.5, true, gen); }, {"int64"}));
  EXPECT_TRUE(throws_error_with([&] { dropout_with_mask(x, ones({3, 2}, DType::f64), 2); },
                                {"dropout_with_mask", "[2, 3]", "[3, 2]"}));
  EXPECT_TRUE(throws_error_with([&] { dropout_with_mask(x, ones({2, 3}), 2); }, {"dropout_with_mask", "float32"}));
}

}  // namespace
}  // namespace soma
