// Tests of nn::summary on models of the decoder and sequence layers: a DCGAN-style generator
// (ConvTranspose2d -> BatchNorm2d -> ReLU -> ... -> Tanh) and an LSTM language model
// (Embedding -> LSTM -> Dense), with every row's shape, parameter count and multiply-adds
// against PyTorch 1.13 (tests/reference/make_summary_reference.py, summary.json).
#include <gtest/gtest.h>

#include <string>

#include "reference/reference_support.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/dense.h"
#include "soma/nn/embedding.h"
#include "soma/nn/recurrent.h"
#include "soma/nn/sequential.h"
#include "soma/nn/summary.h"

namespace soma::nn {
namespace {

// z [N, 100, 1, 1] -> images [N, 1, 28, 28]; no bias before batch norm, as in the DCGAN paper.
Sequential dcgan_generator() {
  return Sequential{ConvTranspose2d(100, 128, 7, {.bias = false}),
                    BatchNorm2d(128),
                    ReLU(),
                    ConvTranspose2d(128, 64, 4, {.stride = 2, .padding = 1, .bias = false}),
                    BatchNorm2d(64),
                    ReLU(),
                    ConvTranspose2d(64, 1, 4, {.stride = 2, .padding = 1}),
                    Tanh()};
}

// ids [N, 35] -> logits [N, 35, 1000].
Sequential lstm_language_model() {
  return Sequential{Embedding(1000, 64), LSTM({.input_size = 64, .hidden_size = 128, .num_layers = 2}),
                    Dense(128, 1000)};
}

// Every row and total of `s` against the reference model `name` of summary.json.
void expect_matches_pytorch(const ModelSummary& s, const std::string& name) {
  const auto ref = test::reference::load("summary.json")[name];
  ASSERT_EQ(s.layers.size(), ref["layers"].size());
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const auto& row = ref["layers"][i];
    EXPECT_EQ(s.layers[i].layer, "layers." + std::to_string(i) + " (" + row["type"].get<std::string>() + ")");
    std::string shape = "[N";
    for (std::int64_t d : row["output_shape"]) shape += ", " + std::to_string(d);
    EXPECT_EQ(s.layers[i].output_shape, shape + "]") << name << " layer " << i;
    EXPECT_EQ(s.layers[i].parameters, row["parameters"].get<std::int64_t>()) << name << " layer " << i;
    EXPECT_EQ(s.layers[i].flops, row["flops"].get<std::int64_t>()) << name << " layer " << i;
  }
  EXPECT_EQ(s.total_parameters, ref["total_parameters"].get<std::int64_t>()) << name;
  EXPECT_EQ(s.trainable_parameters, ref["trainable_parameters"].get<std::int64_t>()) << name;
  EXPECT_EQ(s.buffer_values, ref["buffer_values"].get<std::int64_t>()) << name;
  EXPECT_EQ(s.flops, ref["flops"].get<std::int64_t>()) << name;
}

TEST(NnSummaryGenerativeSequence, DcganGeneratorMatchesPyTorch) {
  const ModelSummary s = summarize(dcgan_generator(), {100, 1, 1});
  expect_matches_pytorch(s, "dcgan_generator");
  EXPECT_EQ(s.layers[3].arithmetic, "input 128x7x7, kernel 4, stride 2, padding 1, output_padding 0 -> 14x14");
  // By hand: 100 * 1 * 1 * 128 * 7 * 7 + 128 * 7 * 7 + 128 * 7 * 7 * 64 * 4 * 4 + 64 * 14 * 14 + 64 * 14 * 14 * 16.
  EXPECT_EQ(s.flops, 627200 + 6272 + 6422528 + 12544 + 200704);
}

TEST(NnSummaryGenerativeSequence, LstmLanguageModelMatchesPyTorch) {
  const ModelSummary s = summarize(lstm_language_model(), {35});
  expect_matches_pytorch(s, "lstm_language_model");
  EXPECT_EQ(s.input_shapes[0], "[N, 35]");
  // LSTM parameters per layer: 4H (F + H) weights and two 4H biases.
  EXPECT_EQ(s.layers[1].parameters, 4 * 128 * (64 + 128) + 8 * 128 + 4 * 128 * (128 + 128) + 8 * 128);
  EXPECT_EQ(s.layers[1].flops, 35 * (4 * 128 * (64 + 128) + 4 * 128 * (128 + 128)));
}

TEST(NnSummaryGenerativeSequence, GeneratorTableIsExact) {
  const std::string expected =
      "Model: Sequential, input [N, 100, 1, 1]\n"
      "Layer (type)                 Output shape      Param #       FLOPs\n"
      "==================================================================\n"
      "layers.0 (ConvTranspose2d)   [N, 128, 7, 7]    627,200     627,200\n"
      "layers.1 (BatchNorm2d)       [N, 128, 7, 7]        256       6,272\n"
      "layers.2 (ReLU)              [N, 128, 7, 7]          0           0\n"
      "layers.3 (ConvTranspose2d)   [N, 64, 14, 14]   131,072   6,422,528\n"
      "layers.4 (BatchNorm2d)       [N, 64, 14, 14]       128      12,544\n"
      "layers.5 (ReLU)              [N, 64, 14, 14]         0           0\n"
      "layers.6 (ConvTranspose2d)   [N, 1, 28, 28]      1,025     200,704\n"
      "layers.7 (Tanh)              [N, 1, 28, 28]          0           0\n"
      "==================================================================\n"
      "Total params: 759,681\n"
      "Trainable params: 759,681\n"
      "Non-trainable params: 0\n"
      "Buffers (not parameters): 386\n"
      "FLOPs per sample (multiply-adds): 7,269,248\n";
  EXPECT_EQ(summary(dcgan_generator(), {100, 1, 1}), expected);
}

// What the summary promises, the model delivers when data flows.
TEST(NnSummaryGenerativeSequence, ShapesAreWhatForwardReturns) {
  Sequential gen = dcgan_generator();
  gen.eval();
  EXPECT_EQ(gen(zeros({2, 100, 1, 1})).shape(), Shape({2, 1, 28, 28}));
  Sequential lm = lstm_language_model();
  EXPECT_EQ(lm(zeros({2, 35}, DType::i64)).shape(), Shape({2, 35, 1000}));
}

}  // namespace
}  // namespace soma::nn
