// Tests of the layers in include/soma/nn/conv_transpose.h and upsample.h: parameter shapes and
// names, PyTorch's init range for ConvTranspose2d (fan_in from out / groups), both
// constructors, a DCGAN-like generator's output shapes, gradients through the layers, and
// errors that name the layer.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/sequential.h"
#include "soma/nn/upsample.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma::nn {
namespace {

using test::throws_error_with;

double max_abs(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  double m = 0;
  for (std::int64_t i = 0; i < d.numel(); ++i) m = std::max(m, std::abs(d.data<double>()[i]));
  return m;
}

TEST(UpsamplingLayers, ConvTranspose2dParametersFollowPyTorch) {
  ConvTranspose2d up(4, 6, {3, 5}, {.groups = 2});
  EXPECT_EQ(up.weight().shape(), Shape({4, 3, 3, 5}));  // [in, out / groups, kH, kW]
  EXPECT_EQ(up.bias().shape(), Shape({6}));
  const auto named = up.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(up.type_name(), "ConvTranspose2d");
  // U(±1/sqrt(fan_in)), fan_in = weight.size(1) * kH * kW = 3 * 15 = 45 (not in / groups).
  const double bound = 1 / std::sqrt(45.0);
  EXPECT_LE(max_abs(up.weight()), bound);
  EXPECT_GT(max_abs(up.weight()), 0.8 * bound);  // 180 draws fill the range
  EXPECT_LE(max_abs(up.bias()), bound);

  ConvTranspose2d no_bias({.in = 2, .out = 1, .kernel = 3, .bias = false, .dtype = DType::f64});
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  EXPECT_EQ(no_bias.weight().dtype(), DType::f64);
}

TEST(UpsamplingLayers, BothConstructorsDrawTheSameWeights) {
  Generator a(5), b(5);
  ConvTranspose2d c1(2, 3, 4, {.stride = 2}, a), c2({.in = 2, .out = 3, .kernel = 4, .stride = 2}, b);
  ASSERT_EQ(c1.weight().shape(), c2.weight().shape());
  for (std::int64_t i = 0; i < c1.weight().numel(); ++i)
    ASSERT_EQ(c1.weight().data<float>()[i], c2.weight().data<float>()[i]);
  EXPECT_EQ(c1.options().stride, Pair(2));
}

TEST(UpsamplingLayers, DcganGeneratorShapes) {
  // 7x7 -> 14x14 -> 28x28 with k4 s2 p1, then a 3x3 convolution; and an Upsample + Conv2d decoder.
  Sequential gen{ConvTranspose2d(128, 64, 4, {.stride = 2, .padding = 1}), ReLU(),
                 ConvTranspose2d(64, 1, 4, {.stride = 2, .padding = 1}), Tanh()};
  EXPECT_EQ(gen(zeros({3, 128, 7, 7})).shape(), Shape({3, 1, 28, 28}));
  EXPECT_EQ(gen.named_parameters()[0].first, "layers.0.weight");
  Sequential dec{Upsample({.scale_factor = 2}), Conv2d({.in = 8, .out = 4, .kernel = 3, .padding = 1}),
                 Upsample({.size = {30, 31}, .mode = UpsampleMode::bilinear})};
  EXPECT_EQ(dec(zeros({2, 8, 7, 7})).shape(), Shape({2, 4, 30, 31}));
  EXPECT_EQ(ConvTranspose2d(2, 2, 3, {.stride = 2, .output_padding = 1})(zeros({2, 5, 4})).shape(),
            Shape({2, 12, 10}));
}

TEST(UpsamplingLayers, GradientsFlowThroughTheLayers) {
  Generator g(3);
  ConvTranspose2d up({.in = 2, .out = 3, .kernel = 3, .stride = 2, .padding = 1, .output_padding = 1,
                      .dtype = DType::f64},
                     g);
  Upsample bilinear({.scale_factor = 1.5, .mode = UpsampleMode::bilinear, .align_corners = true});
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& in) { return bilinear(up(in[0])); }, {test::random64({2, 2, 3, 4}, 9)}));
  const Tensor x = test::random64({2, 2, 3, 4}, 9);
  sum(bilinear(up(x))).backward();
  EXPECT_EQ(up.weight().grad().shape(), up.weight().shape());
  EXPECT_EQ(up.bias().grad().shape(), Shape({3}));
}

TEST(UpsamplingLayers, ErrorsNameTheLayer) {
  EXPECT_TRUE(throws_error_with([] { ConvTranspose2d(0, 2, 3); }, {"ConvTranspose2d: in and out must be positive"}));
  EXPECT_TRUE(throws_error_with([] { ConvTranspose2d(2, 2, 0); },
                                {"ConvTranspose2d(2 -> 2): the kernel size must be at least 1"}));
  EXPECT_TRUE(throws_error_with([] { ConvTranspose2d(3, 2, 3, {.groups = 2}); },
                                {"ConvTranspose2d(3 -> 2): groups 2 must be at least 1 and divide both in and out"}));
  EXPECT_TRUE(throws_error_with([] { ConvTranspose2d(2, 2, 3, {.stride = 2, .output_padding = 2}); },
                                {"ConvTranspose2d(2 -> 2): output_padding 2 must be smaller than either stride 2"}));
  ConvTranspose2d up(128, 64, 4, {.stride = 2, .padding = 1});
  EXPECT_TRUE(throws_error_with([&] { up(zeros({8, 64, 7, 7})); },
                                {"ConvTranspose2d(128 -> 64, kernel 4, stride 2, padding 1): expects [N, 128, H, W]",
                                 "receives shape [8, 64, 7, 7]"}));
  ConvTranspose2d shrink(1, 1, 1, {.padding = 1});
  EXPECT_TRUE(throws_error_with([&] { shrink(zeros({1, 1, 2, 2})); },
                                {"ConvTranspose2d(1 -> 1, kernel 1, padding 1): conv_transpose2d:",
                                 "-> 0x0", "the output would be empty"}));

  EXPECT_TRUE(throws_error_with([] { Upsample(UpsampleOptions{}); }, {"Upsample: give exactly one of .size and .scale_factor, got neither"}));
  EXPECT_TRUE(throws_error_with([] { Upsample({.size = 4, .scale_factor = 2}); }, {"got both"}));
  EXPECT_TRUE(throws_error_with([] { Upsample({.scale_factor = {2, -1}}); }, {"Upsample: scale_factor must be positive, got 2x-1"}));
  EXPECT_TRUE(throws_error_with([] { Upsample({.scale_factor = 2, .align_corners = true}); },
                                {"Upsample: align_corners can only be set with mode bilinear"}));
  Upsample up2({.scale_factor = 2});
  EXPECT_TRUE(throws_error_with([&] { up2(zeros({3, 4, 5})); },
                                {"Upsample: upsample: expected an input [N, C, H, W], got shape [3, 4, 5]"}));
}

}  // namespace
}  // namespace soma::nn
