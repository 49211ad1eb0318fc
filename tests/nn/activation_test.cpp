// Tests for the activation modules (src/nn/activation.cpp): each forwards to its function
// with its own settings (slope, threshold, axis), has no parameters and names its type.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {
using test::values;

TEST(NnActivation, ElementwiseModulesComputeTheirFunction) {
  const Tensor x = tensor({-2, 0, 1.5}, DType::f64);
  EXPECT_EQ(values(ReLU()(x)), (std::vector<double>{0, 0, 1.5}));
  EXPECT_EQ(values(LeakyReLU(0.25)(x)), (std::vector<double>{-0.5, 0, 1.5}));
  EXPECT_EQ(values(LeakyReLU()(x))[0], -0.02);
  EXPECT_EQ(values(Threshold(1)(x)), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(Threshold()(x)), (std::vector<double>{0, 1, 1}));
  const auto s = values(Sigmoid()(x));
  const auto t = values(Tanh()(x));
  for (int i = 0; i < 3; ++i) {
    const double v = x.at({i});
    EXPECT_NEAR(s[i], 1 / (1 + std::exp(-v)), 1e-15);
    EXPECT_NEAR(t[i], std::tanh(v), 1e-15);
  }
}

TEST(NnActivation, SoftmaxModulesUseTheirAxis) {
  const Tensor x = tensor({{0, 0}, {std::log(3.0), 0}}, DType::f64);
  const auto rows = values(Softmax()(x));  // last axis
  EXPECT_NEAR(rows[0], 0.5, 1e-15);
  EXPECT_NEAR(rows[2], 0.75, 1e-15);
  const auto cols = values(Softmax(0)(x));
  EXPECT_NEAR(cols[0], 0.25, 1e-15);
  EXPECT_NEAR(cols[1], 0.5, 1e-15);
  const auto log_rows = values(LogSoftmax(-1)(x));
  EXPECT_NEAR(log_rows[2], std::log(0.75), 1e-15);
}

TEST(NnActivation, ModulesHaveNoParametersAndNameTheirType) {
  EXPECT_EQ(ReLU().parameters().size(), 0u);
  EXPECT_EQ(Softmax().parameter_count(), 0);
  EXPECT_EQ(Sigmoid().type_name(), "Sigmoid");
  EXPECT_EQ(Tanh().type_name(), "Tanh");
  EXPECT_EQ(ReLU().type_name(), "ReLU");
  EXPECT_EQ(LeakyReLU().type_name(), "LeakyReLU");
  EXPECT_EQ(Threshold().type_name(), "Threshold");
  EXPECT_EQ(Softmax().type_name(), "Softmax");
  EXPECT_EQ(LogSoftmax().type_name(), "LogSoftmax");
}

}  // namespace
}  // namespace soma::nn
