// Tests of the layers in include/soma/nn/conv.h, pool.h and flatten.h: parameter shapes and
// names, PyTorch's init range ±1/sqrt(fan_in), options (number or pair, Padding::same/valid),
// output shapes of the B3 network's convolution stack, gradients through the layers, and
// errors that name the layer.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "support/gradcheck.h"

namespace soma::nn {
namespace {

using test::throws_error_with;

// Largest |value| of a tensor.
double max_abs(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  double m = 0;
  for (std::int64_t i = 0; i < d.numel(); ++i) m = std::max(m, std::abs(d.data<double>()[i]));
  return m;
}

TEST(ConvLayers, Conv2dParametersFollowPyTorch) {
  Conv2d conv({.in = 4, .out = 6, .kernel = {3, 5}, .groups = 2});
  EXPECT_EQ(conv.weight().shape(), Shape({6, 2, 3, 5}));
  EXPECT_EQ(conv.bias().shape(), Shape({6}));
  const auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(conv.type_name(), "Conv2d");
  // kaiming_uniform(a = sqrt(5)): U(±1/sqrt(fan_in)) with fan_in = in / groups * kH * kW = 30.
  const double bound = 1 / std::sqrt(30.0);
  EXPECT_LE(max_abs(conv.weight()), bound);
  EXPECT_GT(max_abs(conv.weight()), 0.8 * bound);  // 180 draws fill the range
  EXPECT_LE(max_abs(conv.bias()), bound);

  Conv2d no_bias({.in = 1, .out = 2, .kernel = 3, .bias = false, .dtype = DType::f64});
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  EXPECT_EQ(no_bias.weight().dtype(), DType::f64);
}

TEST(ConvLayers, Conv2dInitIsReproducibleFromAGenerator) {
  Generator a(5), b(5);
  Conv2d c1({.in = 2, .out = 3, .kernel = 3}, a), c2({.in = 2, .out = 3, .kernel = 3}, b);
  for (std::int64_t i = 0; i < c1.weight().numel(); ++i)
    ASSERT_EQ(c1.weight().data<float>()[i], c2.weight().data<float>()[i]);
}

TEST(ConvLayers, PaddingOptionsGiveTheExpectedSizes) {
  const Tensor x = zeros({2, 3, 10, 9});
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 3})(x).shape(), Shape({2, 4, 8, 7}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 3, .padding = 1})(x).shape(), Shape({2, 4, 10, 9}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 3, .padding = {0, 1}})(x).shape(), Shape({2, 4, 8, 9}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 4, .padding = Padding::same})(x).shape(), Shape({2, 4, 10, 9}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 3, .padding = Padding::same, .dilation = 2})(x).shape(),
            Shape({2, 4, 10, 9}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 3, .padding = Padding::valid})(x).shape(), Shape({2, 4, 8, 7}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = 5, .stride = 2})(x).shape(), Shape({2, 4, 3, 3}));
  EXPECT_EQ(Conv2d({.in = 3, .out = 4, .kernel = {1, 3}, .stride = {2, 1}})(x).shape(), Shape({2, 4, 5, 7}));
}

TEST(ConvLayers, B3ConvolutionStackShapes) {
  Sequential net{Conv2d({.in = 1, .out = 32, .kernel = 3, .padding = 1}), ReLU(), MaxPool2d(2),
                 Conv2d({.in = 32, .out = 64, .kernel = 3, .padding = 1}), ReLU(), MaxPool2d(2), Flatten(),
                 Dense(3136, 10)};
  const Tensor y = net(uniform({4, 1, 28, 28}));
  EXPECT_EQ(y.shape(), Shape({4, 10}));
  const auto named = net.named_parameters();
  ASSERT_EQ(named.size(), 6u);
  EXPECT_EQ(named[0].first, "layers.0.weight");
  EXPECT_EQ(named[2].first, "layers.3.weight");
}

TEST(ConvLayers, B5ConvolutionStackShapes) {
  Sequential net{Conv2d({.in = 1, .out = 16, .kernel = 5, .stride = 2}), ReLU(),
                 Conv2d({.in = 16, .out = 32, .kernel = 5, .stride = 2}), ReLU(),
                 Conv2d({.in = 32, .out = 32, .kernel = 5, .stride = 2}), ReLU(), Flatten()};
  EXPECT_EQ(net(zeros({2, 1, 40, 90})).shape(), Shape({2, 512}));  // 32 x 2 x 8
}

TEST(ConvLayers, GradientsFlowThroughConvPoolAndFlatten) {
  Conv2d conv({.in = 2, .out = 3, .kernel = 3, .padding = 1, .dtype = DType::f64});
  MaxPool2d max_pool(2);
  AvgPool2d avg_pool({.kernel = 3, .stride = 1, .padding = 1, .count_include_pad = false});
  GlobalAvgPool2d global;
  Flatten flatten;
  auto net = [&](const Tensor& x) { return flatten(global(avg_pool(max_pool(conv(x))))); };
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return net(in[0]); },
                              {test::random64({2, 2, 6, 6}, 3)}));
  // The layer's own parameters receive gradients too.
  net(test::random64({2, 2, 6, 6}, 4)).backward(ones({2, 3}, DType::f64));
  EXPECT_EQ(conv.weight().grad().shape(), conv.weight().shape());
  EXPECT_EQ(conv.bias().grad().shape(), Shape({3}));
}

TEST(ConvLayers, PoolOptionsAndShortcuts) {
  const Tensor x = zeros({1, 2, 7, 7});
  EXPECT_EQ(MaxPool2d(2)(x).shape(), Shape({1, 2, 3, 3}));
  EXPECT_EQ(MaxPool2d({.kernel = 2, .ceil_mode = true})(x).shape(), Shape({1, 2, 4, 4}));
  EXPECT_EQ(MaxPool2d({.kernel = 3, .stride = 1, .padding = 1})(x).shape(), Shape({1, 2, 7, 7}));
  EXPECT_EQ(MaxPool2d(Pair{1, 7})(x).shape(), Shape({1, 2, 7, 1}));
  EXPECT_EQ(AvgPool2d(2)(x).shape(), Shape({1, 2, 3, 3}));
  EXPECT_EQ(AvgPool2d({.kernel = {3, 1}, .stride = {2, 1}})(x).shape(), Shape({1, 2, 3, 7}));
  EXPECT_EQ(GlobalAvgPool2d()(x).shape(), Shape({1, 2, 1, 1}));
  EXPECT_EQ(Flatten()(x).shape(), Shape({1, 98}));
  EXPECT_EQ(Flatten(0)(x).shape(), Shape({98}));
  EXPECT_EQ(Flatten(2, 3)(x).shape(), Shape({1, 2, 49}));
  EXPECT_TRUE(MaxPool2d(2).parameters().empty());
}

TEST(ConvLayers, ErrorsNameTheLayer) {
  Conv2d conv({.in = 3, .out = 8, .kernel = 5, .stride = 2});
  EXPECT_TRUE(throws_error_with([&] { conv(zeros({1, 1, 28, 28})); },
                                {"Conv2d(3 -> 8, kernel 5, stride 2): expects [N, 3, H, W]", "[1, 1, 28, 28]"}));
  EXPECT_TRUE(throws_error_with([&] { conv(zeros({1, 3, 4, 4})); },
                                {"Conv2d(3 -> 8, kernel 5, stride 2): conv2d: the kernel does not fit",
                                 "input 3x4x4, kernel 5, stride 2, padding 0"}));
  EXPECT_TRUE(throws_error_with([] { Conv2d({.in = 3, .out = 8}); }, {"Conv2d(3 -> 8)", "set .kernel"}));
  EXPECT_TRUE(throws_error_with([] { Conv2d({.in = 3, .out = 8, .kernel = 3, .groups = 2}); },
                                {"groups 2 must be at least 1 and divide both in and out"}));
  EXPECT_TRUE(throws_error_with(
      [] { Conv2d({.in = 3, .out = 8, .kernel = 3, .stride = 2, .padding = Padding::same}); },
      {"padding 'same' needs stride 1"}));
  EXPECT_TRUE(throws_error_with([] { MaxPool2d({.kernel = 2, .padding = 2}); },
                                {"MaxPool2d: padding 2 must be between 0 and half the kernel 2"}));
  EXPECT_TRUE(throws_error_with([] { MaxPool2d(3)(zeros({1, 1, 2, 2})); },
                                {"MaxPool2d: max_pool2d: input 1x2x2, kernel 3, stride 3, padding 0 -> 0x0"}));
  EXPECT_TRUE(throws_error_with([] { AvgPool2d(AvgPool2dOptions{}); }, {"AvgPool2d", "set .kernel"}));
  EXPECT_TRUE(throws_error_with([] { Flatten(3)(zeros({2, 3})); }, {"Flatten(3, -1)"}));
}

}  // namespace
}  // namespace soma::nn
