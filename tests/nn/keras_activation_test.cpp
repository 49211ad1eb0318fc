// Keras' `activation` option of Dense and Conv2d (nn/activation.h): the layer's output is the
// named function of its linear output; unknown names are refused at construction; and
// output_activation() finds what a model ends in, for the Trainer's double-softmax check.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "soma/soma.h"

namespace soma::nn {
namespace {

TEST(NnKerasActivation, DenseAppliesTheNamedFunctionToItsOutput) {
  const Tensor x = test::random64({5, 3}, 11);
  for (const std::string& name : activation_names()) {
    manual_seed(3);
    Dense plain(DenseOptions{.in = 3, .out = 4, .dtype = DType::f64});
    manual_seed(3);
    Dense activated(DenseOptions{.in = 3, .out = 4, .dtype = DType::f64, .activation = name});
    EXPECT_TRUE(test::values_near(activated(x), Shape{5, 4}, DType::f64,
                                  test::values(activate(name, plain(x))), 1e-15))
        << name;
  }
  Dense relu(DenseOptions{.in = 3, .out = 4, .dtype = DType::f64, .activation = "relu"});
  const Tensor y = relu(x);
  for (double v : test::values(y)) EXPECT_GE(v, 0);
}

// Keras' channels-last softmax is soma's softmax over the channels of NCHW.
TEST(NnKerasActivation, Conv2dSoftmaxNormalizesOverChannels) {
  Conv2d conv(Conv2dOptions{.in = 2, .out = 3, .kernel = 3, .padding = 1, .dtype = DType::f64, .activation = "softmax"});
  const Tensor y = conv(test::random64({2, 2, 4, 4}, 12));
  const std::vector<double> totals = test::values(sum(y, 1));
  ASSERT_EQ(totals.size(), 2u * 4 * 4);
  for (double t : totals) EXPECT_NEAR(t, 1.0, 1e-12);
  // Unbatched [C, H, W] too.
  const std::vector<double> single = test::values(sum(conv(test::random64({2, 4, 4}, 13)), 0));
  for (double t : single) EXPECT_NEAR(t, 1.0, 1e-12);
}

TEST(NnKerasActivation, UnknownNameIsRefusedNamingTheLayerAndTheChoices) {
  EXPECT_TRUE(test::throws_error_with([] { Dense(DenseOptions{.in = 3, .out = 4, .activation = "softmx"}); },
                                      {"Dense", "\"softmx\"", "\"softmax\"", "\"relu\""}));
  EXPECT_TRUE(test::throws_error_with(
      [] { Conv2d(Conv2dOptions{.in = 1, .out = 2, .kernel = 3, .activation = "gelu"}); },
      {"Conv2d(1 -> 2)", "\"gelu\""}));
}

TEST(NnKerasActivation, OutputActivationFindsWhatAModelEndsIn) {
  EXPECT_EQ(output_activation(Sequential(Dense(2, 3), Softmax())), "softmax");
  EXPECT_EQ(output_activation(Sequential(Dense(2, 3), LogSoftmax())), "log_softmax");
  EXPECT_EQ(output_activation(Sequential(Dense(2, 1), Sigmoid())), "sigmoid");
  EXPECT_EQ(output_activation(Sequential(Dense(DenseOptions{.in = 2, .out = 3, .activation = "softmax"}))), "softmax");
  EXPECT_EQ(output_activation(Sequential(Dense(2, 3), ReLU(), Sequential(Dense(3, 3)))), "linear");
  EXPECT_EQ(output_activation(Sequential(Dense(2, 3), Sequential(Dense(3, 3), Softmax()))), "softmax");
  EXPECT_EQ(output_activation(Sequential()), "linear");
}

}  // namespace
}  // namespace soma::nn
