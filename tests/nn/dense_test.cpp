// Tests for Dense (src/nn/dense.cpp): y = x W^T + b checked by hand, PyTorch's weight layout
// and init range ±1/sqrt(in), reproducible init from a seeded Generator, options, gradients,
// and the shape error that names the layer and both shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/factory.h"
#include "soma/nn/dense.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {
using test::values;

void fill(const Tensor& t, std::initializer_list<double> v) {
  ASSERT_EQ(t.numel(), std::int64_t(v.size()));
  std::int64_t i = 0;
  for (double x : v) t.data<double>()[i++] = x;
}

TEST(NnDense, ForwardComputesXWTransposePlusBias) {
  Dense fc(DenseOptions{.in = 2, .out = 3, .dtype = DType::f64});
  fill(fc.weight(), {1, 2, 3, 4, 5, 6});  // [out, in]
  fill(fc.bias(), {0.5, -1, 2});
  const Tensor y = fc(tensor({{1, -1}, {2, 0.5}}, DType::f64));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(y), (std::vector<double>{-0.5, -2, 1, 3.5, 7, 15}));
  // Leading axes are kept: [2, 1, 2] -> [2, 1, 3].
  const Tensor y3 = fc(tensor({1, -1, 2, 0.5}, {2, 1, 2}, DType::f64));
  EXPECT_EQ(y3.shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(values(y3), values(y));
}

TEST(NnDense, WithoutBiasHasOnlyAWeight) {
  Dense fc(DenseOptions{.in = 2, .out = 1, .bias = false, .dtype = DType::f64});
  EXPECT_FALSE(fc.bias().defined());
  ASSERT_EQ(fc.named_parameters().size(), 1u);
  EXPECT_EQ(fc.named_parameters()[0].first, "weight");
  fill(fc.weight(), {2, 3});
  EXPECT_EQ(values(fc(tensor({{1, 1}}, DType::f64))), (std::vector<double>{5}));
}

TEST(NnDense, ParametersHavePyTorchLayoutAndDtype) {
  Dense fc(784, 256);
  EXPECT_EQ(fc.weight().shape(), (Shape{256, 784}));
  EXPECT_EQ(fc.bias().shape(), (Shape{256}));
  EXPECT_EQ(fc.weight().dtype(), DType::f32);
  EXPECT_EQ(fc.type_name(), "Dense");
  EXPECT_EQ(fc.options().in, 784);
  Dense f64(DenseOptions{.in = 3, .out = 2, .dtype = DType::f64});
  EXPECT_EQ(f64.weight().dtype(), DType::f64);
  EXPECT_EQ(f64.bias().dtype(), DType::f64);
}

TEST(NnDense, InitIsWithinPlusMinusOneOverSqrtIn) {
  Generator gen(1);
  Dense fc(400, 300, gen);
  const double bound = 1 / std::sqrt(400.0);
  for (const Tensor& t : {fc.weight(), fc.bias()}) {
    double lo = 1, hi = -1, sum = 0;
    for (double v : values(t)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    EXPECT_GE(lo, -bound);
    EXPECT_LE(hi, bound);
    EXPECT_LT(lo, -0.95 * bound);  // it uses the whole range
    EXPECT_GT(hi, 0.95 * bound);
    EXPECT_NEAR(sum / double(t.numel()), 0, 0.1 * bound);
  }
}

TEST(NnDense, InitIsReproducibleWithASeededGenerator) {
  Generator a(21), b(21), c(22);
  Dense fa(8, 4, a), fb(8, 4, b), fc(8, 4, c);
  EXPECT_EQ(values(fa.weight()), values(fb.weight()));
  EXPECT_EQ(values(fa.bias()), values(fb.bias()));
  EXPECT_NE(values(fa.weight()), values(fc.weight()));
  manual_seed(5);
  Dense d1(8, 4);
  manual_seed(5);
  Dense d2(8, 4);
  EXPECT_EQ(values(d1.weight()), values(d2.weight()));
}

TEST(NnDense, RejectsNonPositiveSizes) {
  try {
    Dense fc(0, 3);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dense: in and out must be positive, got in = 0, out = 3");
  }
  EXPECT_THROW(Dense(3, -1), Error);
}

TEST(NnDense, ShapeErrorNamesTheLayerAndTheShapes) {
  Dense fc(4, 3);
  try {
    fc(zeros({2, 5}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dense(4 -> 3): expects 4 input features but receives shape [2, 5]");
  }
  EXPECT_THROW(fc(scalar(1)), Error);
}

TEST(NnDense, BackwardGivesHandComputedParameterGradients) {
  Dense fc(DenseOptions{.in = 2, .out = 3, .dtype = DType::f64});
  const Tensor x = tensor({{1, 2}, {3, 5}}, DType::f64);
  sum(fc(x)).backward();
  // d sum / dW[o, i] = sum over rows of x[:, i]; d sum / db[o] = rows.
  EXPECT_EQ(values(fc.weight().grad()), (std::vector<double>{4, 7, 4, 7, 4, 7}));
  EXPECT_EQ(values(fc.bias().grad()), (std::vector<double>{2, 2, 2}));
}

TEST(NnDense, GradcheckWithRespectToTheInput) {
  Generator gen(4);
  Dense fc(DenseOptions{.in = 4, .out = 3, .dtype = DType::f64}, gen);
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return fc(in[0]); }, {test::random64({5, 4})}));
}

}  // namespace
}  // namespace soma::nn
