// Tests of nn::summary (src/nn/summary.cpp): the exact table for B3's CNN, its parameter counts
// and multiply-adds against PyTorch (tests/reference/make_summary_reference.py), named layers,
// frozen parameters, nested Sequentials, and errors that stop a summary.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "reference/reference_support.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "soma/nn/summary.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {

using test::error_message;

// B3's CNN (docs/design.md, BENCHMARKS.md).
Sequential b3() {
  return Sequential{Conv2d({.in = 1, .out = 32, .kernel = 3, .padding = 1}), ReLU(), MaxPool2d(2),
                    Conv2d({.in = 32, .out = 64, .kernel = 3, .padding = 1}), BatchNorm2d(64), ReLU(), MaxPool2d(2),
                    Flatten(), Dense(3136, 128), ReLU(), Dropout(0.3), Dense(128, 10)};
}

TEST(NnSummary, B3TableIsExact) {
  const std::string expected =
      "Model: Sequential, input [N, 1, 28, 28]\n"
      "Layer (type)             Output shape      Param #       FLOPs\n"
      "==============================================================\n"
      "layers.0 (Conv2d)        [N, 32, 28, 28]       320     225,792\n"
      "layers.1 (ReLU)          [N, 32, 28, 28]         0           0\n"
      "layers.2 (MaxPool2d)     [N, 32, 14, 14]         0           0\n"
      "layers.3 (Conv2d)        [N, 64, 14, 14]    18,496   3,612,672\n"
      "layers.4 (BatchNorm2d)   [N, 64, 14, 14]       128      12,544\n"
      "layers.5 (ReLU)          [N, 64, 14, 14]         0           0\n"
      "layers.6 (MaxPool2d)     [N, 64, 7, 7]           0           0\n"
      "layers.7 (Flatten)       [N, 3136]               0           0\n"
      "layers.8 (Dense)         [N, 128]          401,536     401,408\n"
      "layers.9 (ReLU)          [N, 128]                0           0\n"
      "layers.10 (Dropout)      [N, 128]                0           0\n"
      "layers.11 (Dense)        [N, 10]             1,290       1,280\n"
      "==============================================================\n"
      "Total params: 421,770\n"
      "Trainable params: 421,770\n"
      "Non-trainable params: 0\n"
      "Buffers (not parameters): 129\n"
      "FLOPs per sample (multiply-adds): 4,253,696\n";
  EXPECT_EQ(summary(b3(), {1, 28, 28}), expected);
  std::ostringstream printed;
  printed << summarize(b3(), {1, 28, 28});
  EXPECT_EQ(printed.str(), expected);
}

// Every row against PyTorch 1.13's nn.Sequential of the same layers: parameter counts are
// sum(p.numel() for p in layer.parameters()), multiply-adds counted from the shapes it sees.
TEST(NnSummary, B3MatchesPyTorchCounts) {
  const auto ref = test::reference::load("summary.json");
  const ModelSummary s = summarize(b3(), {1, 28, 28});
  ASSERT_EQ(s.layers.size(), ref["layers"].size());
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const auto& row = ref["layers"][i];
    EXPECT_EQ(s.layers[i].layer, "layers." + std::to_string(i) + " (" + row["type"].get<std::string>() + ")");
    std::string shape = "[N";
    for (std::int64_t d : row["output_shape"]) shape += ", " + std::to_string(d);
    EXPECT_EQ(s.layers[i].output_shape, shape + "]") << "layer " << i;
    EXPECT_EQ(s.layers[i].parameters, row["parameters"].get<std::int64_t>()) << "layer " << i;
    EXPECT_EQ(s.layers[i].flops, row["flops"].get<std::int64_t>()) << "layer " << i;
  }
  EXPECT_EQ(s.total_parameters, ref["total_parameters"].get<std::int64_t>());
  EXPECT_EQ(s.trainable_parameters, ref["trainable_parameters"].get<std::int64_t>());
  EXPECT_EQ(s.buffer_values, ref["buffer_values"].get<std::int64_t>());
  EXPECT_EQ(s.flops, ref["flops"].get<std::int64_t>());
  EXPECT_EQ(s.layers[0].arithmetic, "input 1x28x28, kernel 3, stride 1, padding 1 -> 28x28");
}

TEST(NnSummary, NamesFrozenParametersAndNesting) {
  auto fc = std::make_shared<Dense>(8, 4);
  fc->set_name("fc1");
  Tensor(fc->weight()).set_requires_grad(false);  // frozen: counted, but not trainable
  Sequential head{ReLU(), named("out", Dense(4, 2))};
  Sequential net;
  net.push_back(fc);
  net.push_back(std::move(head));
  const ModelSummary s = summarize(net, {8});
  ASSERT_EQ(s.layers.size(), 3u);
  EXPECT_EQ(s.layers[0].layer, "layers.0 'fc1' (Dense)");
  EXPECT_EQ(s.layers[1].layer, "layers.1.layers.0 (ReLU)");
  EXPECT_EQ(s.layers[2].layer, "layers.1.layers.1 'out' (Dense)");
  EXPECT_EQ(s.total_parameters, 36 + 10);
  EXPECT_EQ(s.trainable_parameters, 4 + 10);
  EXPECT_EQ(s.non_trainable_parameters, 32);
  EXPECT_EQ(s.flops, 32 + 8);
}

// The batch axis prints as N only where it stays the first axis.
TEST(NnSummary, ShapesThatMergeTheBatchPrintForOneSample) {
  Sequential net{Flatten(0)};
  const ModelSummary s = summarize(net, {3, 4});
  EXPECT_EQ(s.input_shapes[0], "[N, 3, 4]");
  EXPECT_EQ(s.layers[0].output_shape, "[12]");
}

TEST(NnSummary, AModelThatDoesNotFitItsInputIsNotSummarized) {
  EXPECT_EQ(error_message([] { summary(b3(), {3, 28, 28}); }),
            "layers.0 (Conv2d): Conv2d(1 -> 32, kernel 3, padding 1) expects 1 input channels but receives 3 (input "
            "[1, 3, 28, 28])");
  EXPECT_EQ(error_message([] { summary(b3(), {1, 32, 32}); }),
            "layers.8 (Dense): Dense(3136 -> 128) expects 3136 input features but receives 4096 (input [1, 4096]); "
            "before it: layers.0 (Conv2d): input 1x32x32, kernel 3, stride 1, padding 1 -> 32x32; layers.2 "
            "(MaxPool2d): input 32x32x32, kernel 2, stride 2, padding 0 -> 16x16; layers.3 (Conv2d): input "
            "32x16x16, kernel 3, stride 1, padding 1 -> 16x16; layers.6 (MaxPool2d): input 64x16x16, kernel 2, "
            "stride 2, padding 0 -> 8x8; layers.7 (Flatten): 64x8x8 -> 4096");
}

}  // namespace
}  // namespace soma::nn
