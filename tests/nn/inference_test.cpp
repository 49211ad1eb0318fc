// Tests for InferencePlan (src/nn/inference.cpp, include/soma/nn/inference.h): its output
// equals the model's own eval-mode forward for every fusable activation, at batch 1 and 7 and
// at sizes that are not multiples of 16; layers it cannot fuse run their own forward; weight
// updates after planning are seen; wrong shapes and dtypes are refused with the layer's name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/inference.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "soma/ops/loss.h"
#include "soma/ops/reduction.h"
#include "soma/optim/sgd.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {
using test::error_message;
using test::values;

// The model's own forward in evaluation mode without a graph, its mode restored after.
Tensor eval_forward(Sequential& net, const Tensor& x) {
  ModeGuard mode(net);
  net.eval();
  NoGradGuard no_grad;
  return net(x);
}

// Every element within 1e-5 of the reference, relative to the reference's largest magnitude
// (the fused product sums in another order than the library GEMM).
void expect_close(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  const auto g = values(got), w = values(want);
  double scale = 1e-30;
  for (double v : w) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-5 * scale) << "element " << i;
}

TEST(NnInferencePlan, MlpMatchesTheModelAtBatchOneAndSeven) {
  Generator gen(1);
  Sequential net{Dense(784, 256, gen), ReLU(), Dense(256, 128, gen), ReLU(), Dense(128, 10, gen)};
  for (std::int64_t batch : {1, 7}) {
    InferencePlan plan(net, {batch, 784});
    const Tensor x = uniform({batch, 784}, 0, 1, gen);
    expect_close(plan(x), eval_forward(net, x));
    EXPECT_EQ(plan.fused_count(), 3);
    EXPECT_EQ(plan.output_shape(), Shape({batch, 10}));
    EXPECT_FALSE(plan(x).requires_grad());
  }
  EXPECT_TRUE(net.is_training());  // the model's mode is left as found
}

TEST(NnInferencePlan, EveryFusableActivationAtOddSizes) {
  Generator gen(2);
  struct Case {
    std::string name;
    Sequential net;
  };
  // 37 -> 19 -> 33: neither in nor out a multiple of 16, and more than 16 rows (two passes).
  Case cases[] = {
      {"identity", Sequential{Dense(37, 19, gen), Dense(19, 33, gen)}},
      {"relu", Sequential{Dense(37, 19, gen), ReLU(), Dense(19, 33, gen), ReLU()}},
      {"sigmoid", Sequential{Dense(37, 19, gen), Sigmoid(), Dense(19, 33, gen), Sigmoid()}},
      {"tanh", Sequential{Dense(37, 19, gen), Tanh(), Dense(19, 33, gen), Tanh()}},
      {"leaky_relu", Sequential{Dense(37, 19, gen), LeakyReLU(0.1), Dense(19, 33, gen), LeakyReLU()}},
  };
  for (auto& c : cases) {
    for (std::int64_t batch : {1, 7}) {
      InferencePlan plan(c.net, {batch, 37});
      const Tensor x = normal({batch, 37}, 0, 2, gen);  // both signs, into the activations' tails
      SCOPED_TRACE(c.name + ", batch " + std::to_string(batch));
      expect_close(plan(x), eval_forward(c.net, x));
      EXPECT_EQ(plan.fused_count(), 2);
      EXPECT_NE(plan.describe().find(c.name), std::string::npos) << plan.describe();
    }
  }
}

TEST(NnInferencePlan, FusesTheDenseOwnActivationAndRunsSoftmaxUnfused) {
  Generator gen(3);
  for (const std::string act : {"relu", "sigmoid", "tanh", "leaky_relu", "linear"}) {
    Sequential net{Dense({.in = 21, .out = 17, .activation = act}, gen)};
    InferencePlan plan(net, {1, 21});
    const Tensor x = normal({1, 21}, 0, 2, gen);
    SCOPED_TRACE(act);
    expect_close(plan(x), eval_forward(net, x));
    EXPECT_EQ(plan.fused_count(), 1);
  }
  Sequential net{Dense({.in = 21, .out = 17, .activation = "softmax"}, gen), ReLU()};
  InferencePlan plan(net, {2, 21});
  const Tensor x = normal({2, 21}, 0, 2, gen);
  expect_close(plan(x), eval_forward(net, x));
  EXPECT_EQ(plan.fused_count(), 0);
}

TEST(NnInferencePlan, ConvNetRunsInEvaluationModeAndLeavesTheModeAsFound) {
  Generator gen(4);
  Sequential net{Conv2d({.in = 1, .out = 4, .kernel = 3, .padding = 1}, gen),
                 BatchNorm2d(4),
                 ReLU(),
                 MaxPool2d(2),
                 Flatten(),
                 Dense(4 * 5 * 5, 23, gen),
                 ReLU(),
                 Dropout(0.5, gen),
                 Dense(23, 10, gen)};
  {  // running statistics away from their initial 0 and 1
    NoGradGuard no_grad;
    net(normal({8, 1, 10, 10}, 0.5, 2, gen));
  }
  for (std::int64_t batch : {1, 3}) {
    InferencePlan plan(net, {batch, 1, 10, 10});
    const Tensor x = normal({batch, 1, 10, 10}, 0, 1, gen);
    expect_close(plan(x), eval_forward(net, x));  // Dropout off, BatchNorm on running statistics
    EXPECT_EQ(plan.fused_count(), 2);
    EXPECT_NE(plan.describe().find("layers.0 (Conv2d): own forward"), std::string::npos) << plan.describe();
    EXPECT_NE(plan.describe().find("layers.7 (Dropout): skipped"), std::string::npos) << plan.describe();
  }
  EXPECT_TRUE(net.is_training());
  EXPECT_TRUE(net[1].is_training());
}

TEST(NnInferencePlan, FusesAcrossDropoutAndIntoNestedSequentials) {
  Generator gen(5);
  Sequential inner{Dense(9, 18, gen), Dropout(0.2, gen), Tanh()};
  Sequential net;
  net.push_back(inner);
  net.push_back(Dense({.in = 18, .out = 3, .bias = false}, gen));
  InferencePlan plan(net, {1, 9});
  const Tensor x = normal({1, 9}, 0, 1, gen);
  expect_close(plan(x), eval_forward(net, x));
  EXPECT_EQ(plan.fused_count(), 2);
  EXPECT_NE(plan.describe().find("layers.0.layers.0 (Dense) + layers.0.layers.2 (Tanh): fused"), std::string::npos)
      << plan.describe();
}

TEST(NnInferencePlan, DenseWithoutBias) {
  Generator gen(6);
  Sequential net{Dense({.in = 40, .out = 20, .bias = false}, gen), ReLU()};
  for (std::int64_t batch : {1, 5}) {
    InferencePlan plan(net, {batch, 40});
    const Tensor x = normal({batch, 40}, 0, 1, gen);
    expect_close(plan(x), eval_forward(net, x));
  }
}

TEST(NnInferencePlan, SeesWeightUpdatesMadeAfterPlanning) {
  Generator gen(7);
  Sequential net{Dense(30, 20, gen), ReLU(), Dense(20, 4, gen)};
  InferencePlan plan(net, {1, 30});
  const Tensor x = normal({1, 30}, 0, 1, gen);
  const Tensor before = plan(x).copy();
  optim::SGD opt(net.parameters(), {.lr = 0.5});
  mse_loss(net(x), zeros({1, 4})).backward();
  opt.step();
  const Tensor after = plan(x);
  expect_close(after, eval_forward(net, x));
  EXPECT_NE(values(after), values(before));
}

TEST(NnInferencePlan, FloatSixtyFourModelsRunTheirOwnForward) {
  Generator gen(8);
  Sequential net{Dense({.in = 6, .out = 5, .dtype = DType::f64}, gen), ReLU()};
  InferencePlan plan(net, {2, 6});
  const Tensor x = normal({2, 6}, 0, 1, gen, DType::f64);
  EXPECT_EQ(values(plan(x)), values(eval_forward(net, x)));
  EXPECT_EQ(plan.fused_count(), 0);
}

TEST(NnInferencePlan, ItsOwnOutputCanBeItsInput) {
  Generator gen(9);
  Sequential net{Dense(5, 5, gen), Tanh()};
  InferencePlan plan(net, {1, 5});
  const Tensor x = normal({1, 5}, 0, 1, gen);
  expect_close(plan(plan(x)), eval_forward(net, eval_forward(net, x)));
}

TEST(NnInferencePlan, RefusesAnotherShapeOrDtypeNamingTheLayer) {
  Generator gen(10);
  Sequential net{Dense(784, 256, gen), ReLU(), Dense(256, 10, gen)};
  EXPECT_EQ(error_message([&] { InferencePlan(net, {1, 783}); }),
            "InferencePlan: the model refuses input [1, 783]: layers.0 (Dense): Dense(784 -> 256) expects 784 input "
            "features but receives 783 (input [1, 783])");
  InferencePlan plan(net, {1, 784});
  EXPECT_EQ(error_message([&] { plan(zeros({1, 783})); }),
            "InferencePlan: planned for input [1, 784] but receives [1, 783]; layers.0 (Dense): Dense(784 -> 256) "
            "expects 784 input features but receives 783 (input [1, 783])");
  EXPECT_EQ(error_message([&] { plan(zeros({7, 784})); }),
            "InferencePlan: planned for input [1, 784] but receives [7, 784]; only the batch differs: make a plan "
            "for that shape, InferencePlan(net, [7, 784])");
  EXPECT_EQ(error_message([&] { plan(zeros({1, 784}, DType::f64)); }),
            "InferencePlan: planned for float32 input but receives float64 (convert with x.to(float32))");
  EXPECT_EQ(error_message([&] { plan(Tensor()); }), "InferencePlan: the input is an undefined tensor");
}

TEST(NnInferencePlan, BFloat16IsCloseAndRefreshReadsUpdatedWeights) {
  Generator gen(11);
  Sequential net{Dense(100, 40, gen), ReLU(), Dense(40, 10, gen), Sigmoid()};
  for (std::int64_t batch : {1, 7}) {
    InferencePlan plan(net, {batch, 100}, {.bf16 = true});
    const Tensor x = uniform({batch, 100}, 0, 1, gen);
    const auto got = values(plan(x)), want = values(eval_forward(net, x));
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-2 * std::abs(want[i]));
    EXPECT_NE(got, want);  // rounded, not float32
    EXPECT_NE(plan.describe().find("bf16"), std::string::npos);
  }
  InferencePlan plan(net, {1, 100}, {.bf16 = true});
  const Tensor x = uniform({1, 100}, 0, 1, gen);
  const Tensor before = plan(x).copy();
  {
    NoGradGuard no_grad;
    net.at<Dense>(2).weight().copy_(zeros({10, 40}));  // output = sigmoid(bias)
  }
  EXPECT_EQ(values(plan(x)), values(before));  // the copy is not re-read by itself
  plan.refresh();
  const auto got = values(plan(x)), want = values(eval_forward(net, x));
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);
}

}  // namespace
}  // namespace soma::nn
