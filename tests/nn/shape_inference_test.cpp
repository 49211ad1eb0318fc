// Tests of shape inference (Module::output_shape, shape_arithmetic, flops) for every layer of
// nn/: the inferred shape equals the shape forward() returns over sweeps of kernels, strides,
// padding, dilation and ceil_mode; mismatches throw with the layer and the arithmetic; and
// Sequential names the failing layer by path, name and type, with the arithmetic before it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {

using test::error_message;

// output_shape(x.shape()) must be what forward(x) returns.
void expect_inferred_like_forward(Module& layer, const Shape& input, const std::string& what) {
  const Tensor y = layer.forward(zeros(input));
  EXPECT_EQ(layer.output_shape(input), y.shape()) << what << " for input " << input;
}

TEST(ShapeInference, Conv2dMatchesForwardOverASweep) {
  int cases = 0;
  for (std::int64_t k : {1, 2, 3, 5, 7})
    for (std::int64_t s : {1, 2, 3})
      for (std::int64_t p : {0, 1, 2})
        for (std::int64_t d : {1, 2}) {
          Conv2d conv({.in = 2, .out = 3, .kernel = k, .stride = s, .padding = p, .dilation = d});
          const Shape input{1, 2, 11, 9};
          if (11 + 2 * p < d * (k - 1) + 1 || 9 + 2 * p < d * (k - 1) + 1) continue;
          expect_inferred_like_forward(conv, input, "k" + std::to_string(k) + " s" + std::to_string(s) + " p" +
                                                        std::to_string(p) + " d" + std::to_string(d));
          ++cases;
        }
  EXPECT_GT(cases, 80);
  for (std::int64_t k : {2, 3, 4}) {
    Conv2d same({.in = 2, .out = 4, .kernel = {k, k + 1}, .padding = Padding::same, .dilation = {1, 2}});
    expect_inferred_like_forward(same, {2, 2, 7, 6}, "same");
    Conv2d valid({.in = 2, .out = 4, .kernel = k, .padding = Padding::valid, .groups = 2});
    expect_inferred_like_forward(valid, {2, 2, 7, 6}, "valid, groups");
  }
  Conv2d unbatched({.in = 3, .out = 2, .kernel = 3});
  expect_inferred_like_forward(unbatched, {3, 5, 6}, "unbatched");
}

TEST(ShapeInference, PoolsMatchForwardOverASweep) {
  for (std::int64_t k : {1, 2, 3, 4})
    for (std::int64_t s : {0, 1, 2, 3})
      for (std::int64_t p = 0; p <= k / 2; ++p)
        for (bool ceil : {false, true}) {
          const std::string what =
              "k" + std::to_string(k) + " s" + std::to_string(s) + " p" + std::to_string(p) + (ceil ? " ceil" : "");
          MaxPool2d max({.kernel = k, .stride = s, .padding = p, .ceil_mode = ceil});
          expect_inferred_like_forward(max, {1, 2, 7, 10}, "MaxPool2d " + what);
          AvgPool2d avg({.kernel = k, .stride = s, .padding = p, .ceil_mode = ceil});
          expect_inferred_like_forward(avg, {1, 2, 7, 10}, "AvgPool2d " + what);
        }
  GlobalAvgPool2d global;
  expect_inferred_like_forward(global, {2, 3, 5, 4}, "GlobalAvgPool2d");
  expect_inferred_like_forward(global, {3, 5, 4}, "GlobalAvgPool2d unbatched");
}

TEST(ShapeInference, OtherLayersMatchForward) {
  Dense dense(4, 3);
  expect_inferred_like_forward(dense, {5, 4}, "Dense");
  expect_inferred_like_forward(dense, {2, 6, 4}, "Dense on a sequence");
  Flatten flatten;
  expect_inferred_like_forward(flatten, {2, 3, 4, 5}, "Flatten");
  Flatten middle(1, 2);
  expect_inferred_like_forward(middle, {2, 3, 4, 5}, "Flatten(1, 2)");
  Flatten all(0);
  expect_inferred_like_forward(all, {2, 3, 4}, "Flatten(0)");
  BatchNorm1d bn1(3);
  expect_inferred_like_forward(bn1, {4, 3}, "BatchNorm1d");
  expect_inferred_like_forward(bn1, {4, 3, 5}, "BatchNorm1d on a sequence");
  BatchNorm2d bn2(3);
  expect_inferred_like_forward(bn2, {2, 3, 4, 5}, "BatchNorm2d");
  Dropout dropout(0.3);
  expect_inferred_like_forward(dropout, {2, 7}, "Dropout");
  Sigmoid sigmoid;
  Tanh tanh_layer;
  ReLU relu;
  LeakyReLU leaky;
  Threshold step;
  Softmax softmax;
  LogSoftmax log_softmax(1);
  for (Module* m : std::initializer_list<Module*>{&sigmoid, &tanh_layer, &relu, &leaky, &step, &softmax, &log_softmax})
    expect_inferred_like_forward(*m, {2, 3, 4}, m->type_name());
}

TEST(ShapeInference, MismatchesNameTheLayerAndShowTheArithmetic) {
  EXPECT_EQ(error_message([] { Dense(3136, 128).output_shape({1, 4608}); }),
            "Dense(3136 -> 128) expects 3136 input features but receives 4608 (input [1, 4608])");
  EXPECT_EQ(error_message([] { Dense(3, 1).output_shape(Shape{}); }),
            "Dense(3 -> 1) expects 3 input features but receives a 0-dim input (input [])");
  Conv2d conv({.in = 32, .out = 64, .kernel = 3, .padding = 1});
  EXPECT_EQ(error_message([&] { conv.output_shape({1, 16, 14, 14}); }),
            "Conv2d(32 -> 64, kernel 3, padding 1) expects 32 input channels but receives 16 (input [1, 16, 14, 14])");
  EXPECT_EQ(error_message([&] { conv.output_shape({1, 3136}); }),
            "Conv2d(32 -> 64, kernel 3, padding 1) expects [N, 32, H, W] (or [32, H, W]) but receives [1, 3136]");
  Conv2d big({.in = 1, .out = 2, .kernel = 5, .stride = 2});
  EXPECT_EQ(big.shape_arithmetic({1, 1, 28, 28}), "input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12");
  EXPECT_EQ(error_message([&] { big.output_shape({1, 1, 3, 4}); }),
            "Conv2d(1 -> 2, kernel 5, stride 2): input 1x3x4, kernel 5, stride 2, padding 0: the padded input is "
            "3x4 but the kernel spans 5x5");
  Conv2d dilated({.in = 4, .out = 4, .kernel = 3, .padding = Padding::same, .dilation = 2, .groups = 2});
  EXPECT_EQ(dilated.shape_arithmetic({1, 4, 9, 8}),
            "input 4x9x8, kernel 3, stride 1, padding same, dilation 2, groups 2 -> 9x8");
  MaxPool2d pool(2);
  EXPECT_EQ(pool.shape_arithmetic({1, 32, 28, 28}), "input 32x28x28, kernel 2, stride 2, padding 0 -> 14x14");
  EXPECT_EQ(error_message([&] { pool.output_shape({1, 32, 1, 1}); }),
            "MaxPool2d: input 32x1x1, kernel 2, stride 2, padding 0 -> 0x0 (each side: (in + 2*padding - kernel) / "
            "stride + 1, rounded down): the window does not fit in the padded input");
  EXPECT_EQ(error_message([] { AvgPool2d(3).output_shape({1, 5}); }),
            "AvgPool2d expects [N, C, H, W] (or [C, H, W]) but receives [1, 5]");
  EXPECT_EQ(GlobalAvgPool2d().shape_arithmetic({1, 64, 7, 7}), "input 64x7x7 -> 1x1");
  EXPECT_EQ(error_message([] { BatchNorm2d(64).output_shape({1, 32, 7, 7}); }),
            "BatchNorm2d(64): expected input [N, C, H, W] with C = 64, got shape [1, 32, 7, 7]");
  EXPECT_EQ(error_message([] { BatchNorm1d(8).output_shape({4}); }),
            "BatchNorm1d(8): expected input [N, C] or [N, C, L] with C = 8, got shape [4]");
  EXPECT_EQ(Flatten().shape_arithmetic({1, 64, 7, 7}), "64x7x7 -> 3136");
  EXPECT_EQ(error_message([] { Flatten(2).output_shape({4, 5}); }),
            "Flatten(2, -1): the axes are out of range for input [4, 5] (valid: -2 to 1)");
  EXPECT_EQ(error_message([] { Softmax(2).output_shape({4, 5}); }), "Softmax(2): axis 2 is out of range for input [4, 5]");
}

TEST(ShapeInference, FlopsCountMultiplyAdds) {
  EXPECT_EQ(Dense(3136, 128).flops({1, 3136}), 3136 * 128);
  EXPECT_EQ(Dense(4, 3).flops({2, 5, 4}), 2 * 5 * 4 * 3);
  // out * OH * OW * in/groups * kH * kW
  EXPECT_EQ(Conv2d({.in = 4, .out = 6, .kernel = {3, 2}, .groups = 2}).flops({1, 4, 5, 5}), 6 * 3 * 4 * 2 * 3 * 2);
  EXPECT_EQ(BatchNorm2d(3).flops({2, 3, 4, 5}), 2 * 3 * 4 * 5);
  EXPECT_EQ(ReLU().flops({2, 3}), 0);
  EXPECT_EQ(MaxPool2d(2).flops({1, 1, 4, 4}), 0);
}

// The example: a stride-2 5x5 convolution leaves 12x12 maps, so the dense layer
// written for 7x7 maps (64 * 7 * 7 = 3136 features) receives 32 * 12 * 12 = 4608.
TEST(ShapeInference, SequentialNamesTheLayerAndTheArithmeticBeforeIt) {
  Sequential net{named("conv2", Conv2d({.in = 1, .out = 32, .kernel = 5, .stride = 2})), ReLU(), Flatten(),
                 named("fc1", Dense(3136, 128)), ReLU(), Dense(128, 10)};
  EXPECT_EQ(error_message([&] { net.output_shape({1, 1, 28, 28}); }),
            "layers.3 'fc1' (Dense): Dense(3136 -> 128) expects 3136 input features but receives 4608 (input [1, "
            "4608]); before it: layers.0 'conv2' (Conv2d): input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12; "
            "layers.2 (Flatten): 32x12x12 -> 4608");
  // The same layer names appear when data flows.
  EXPECT_EQ(error_message([&] { net(zeros({1, 1, 28, 28})); }),
            "layers.3 'fc1' (Dense): Dense(3136 -> 128): expects 3136 input features but receives shape [1, 4608]");
  Sequential fixed{Conv2d({.in = 1, .out = 32, .kernel = 5, .stride = 2}), ReLU(), Flatten(), Dense(4608, 10)};
  EXPECT_EQ(fixed.output_shape({64, 1, 28, 28}), Shape({64, 10}));
  EXPECT_EQ(fixed.flops({1, 1, 28, 28}), 32 * 12 * 12 * 25 + 4608 * 10);
}

TEST(ShapeInference, NestedSequentialsKeepTheInnermostTrace) {
  Sequential inner{Flatten(), Dense(10, 2)};
  Sequential outer{MaxPool2d(2), std::move(inner)};
  EXPECT_EQ(error_message([&] { outer.output_shape({1, 3, 4, 4}); }),
            "layers.1 (Sequential): layers.1 (Dense): Dense(10 -> 2) expects 10 input features but receives 12 "
            "(input [1, 12]); before it: layers.0 (Flatten): 3x2x2 -> 12");
}

// A layer without output_shape (e.g. a user's own) stops the check with its type, by path.
TEST(ShapeInference, ALayerWithoutInferenceIsRefusedByName) {
  class Doubler : public Module {
   public:
    Tensor forward(const Tensor& x) override { return x; }
    std::string type_name() const override { return "Doubler"; }
  };
  Sequential net{Dense(2, 2), Doubler()};
  EXPECT_EQ(error_message([&] { net.output_shape({1, 2}); }),
            "layers.1 (Doubler): Doubler does not support shape inference (it does not override "
            "nn::Module::output_shape)");
}

}  // namespace
}  // namespace soma::nn
