// Tests of shape inference (output_shape, shape_arithmetic, flops) for the decoder and sequence
// layers: ConvTranspose2d, Upsample, RNN / LSTM / GRU, Embedding, TimeDistributed and the RBM.
// The inferred shape equals what forward() returns over sweeps of configurations; mismatches
// name the layer with what it expected and found; multiply-adds are checked against counts
// worked out by hand; and Sequential and Graph now accept these layers.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "soma/core/factory.h"
#include "soma/generative/rbm.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/dense.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/recurrent.h"
#include "soma/nn/sequential.h"
#include "soma/nn/time_distributed.h"
#include "soma/nn/upsample.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {

using test::error_message;

// output_shape(x.shape()) must be what forward(x) returns.
void expect_inferred_like_forward(Module& layer, const Tensor& x, const std::string& what) {
  const Tensor y = layer.forward(x);
  EXPECT_EQ(layer.output_shape(x.shape()), y.shape()) << what << " for input " << x.shape();
}

void expect_inferred_like_forward(Module& layer, const Shape& input, const std::string& what) {
  expect_inferred_like_forward(layer, zeros(input), what);
}

std::string config(std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t op, std::int64_t d) {
  return "k" + std::to_string(k) + " s" + std::to_string(s) + " p" + std::to_string(p) + " op" + std::to_string(op) +
         " d" + std::to_string(d);
}

TEST(ShapeInferenceSequence, ConvTranspose2dMatchesForwardOverASweep) {
  int cases = 0;
  for (std::int64_t k : {1, 2, 3, 4, 5})
    for (std::int64_t s : {1, 2, 3})
      for (std::int64_t p : {0, 1, 2})
        for (std::int64_t op : {0, 1, 2})
          for (std::int64_t d : {1, 2}) {
            if (op >= s && op >= d) continue;  // PyTorch's rule, refused at construction
            const std::int64_t reach = d * (k - 1) + op + 1;
            if ((4 - 1) * s - 2 * p + reach < 1) continue;  // the output would be empty
            ConvTranspose2d up(
                {.in = 2, .out = 3, .kernel = k, .stride = s, .padding = p, .output_padding = op, .dilation = d});
            expect_inferred_like_forward(up, {1, 2, 5, 4}, config(k, s, p, op, d));
            ++cases;
          }
  EXPECT_GT(cases, 150);
  ConvTranspose2d uneven({.in = 4, .out = 6, .kernel = {3, 2}, .stride = {2, 3}, .padding = {1, 0},
                          .output_padding = {1, 2}, .groups = 2});
  expect_inferred_like_forward(uneven, {2, 4, 3, 5}, "uneven, groups");
  ConvTranspose2d unbatched(3, 2, 4, {.stride = 2, .padding = 1});
  expect_inferred_like_forward(unbatched, {3, 5, 6}, "unbatched");
}

TEST(ShapeInferenceSequence, UpsampleMatchesForwardOverScalesAndSizes) {
  for (UpsampleMode mode : {UpsampleMode::nearest, UpsampleMode::bilinear}) {
    for (Scale scale : {Scale(0.5), Scale(1), Scale(1.5), Scale(2), Scale(2.3), Scale(3), Scale(0.7, 2.5)}) {
      Upsample up({.scale_factor = scale, .mode = mode});
      expect_inferred_like_forward(up, {2, 3, 5, 7}, "scale " + std::to_string(scale.h) + "x" + std::to_string(scale.w));
    }
    for (Pair size : {Pair(1), Pair(4), Pair(7, 9), Pair(10, 3)}) {
      Upsample up({.size = size, .mode = mode});
      expect_inferred_like_forward(up, {1, 2, 5, 7}, "size " + std::to_string(size.h) + "x" + std::to_string(size.w));
    }
  }
}

TEST(ShapeInferenceSequence, RecurrentLayersMatchForwardStackedAndLastStep) {
  for (std::int64_t layers : {1, 2, 3})
    for (bool sequences : {true, false}) {
      const RecurrentOptions o{.input_size = 3, .hidden_size = 5, .num_layers = layers, .return_sequences = sequences};
      RNN rnn(o);
      RecurrentOptions relu_options = o;
      relu_options.nonlinearity = Nonlinearity::relu;
      RNN relu(relu_options);
      LSTM lstm(o);
      GRU gru(o);
      const std::string what = std::to_string(layers) + " layers" + (sequences ? "" : ", last step");
      for (Module* m : std::initializer_list<Module*>{&rnn, &relu, &lstm, &gru}) {
        expect_inferred_like_forward(*m, {2, 6, 3}, m->type_name() + " " + what);
        expect_inferred_like_forward(*m, {1, 1, 3}, m->type_name() + " one step, " + what);
      }
    }
  // Sequential feeds each layer forward(x), the output alone: stacked recurrent layers chain.
  Sequential stack{LSTM({.input_size = 3, .hidden_size = 8}), GRU({.input_size = 8, .hidden_size = 4}),
                   RNN({.input_size = 4, .hidden_size = 2, .return_sequences = false}), Dense(2, 1)};
  expect_inferred_like_forward(stack, {4, 7, 3}, "LSTM -> GRU -> RNN -> Dense");
  EXPECT_EQ(stack.output_shape({4, 7, 3}), Shape({4, 1}));
}

TEST(ShapeInferenceSequence, EmbeddingTimeDistributedAndRbmMatchForward) {
  Embedding emb({.num_embeddings = 10, .embedding_dim = 4});
  for (const Shape& ids : {Shape{2, 5}, Shape{7}, Shape{2, 3, 4}})
    expect_inferred_like_forward(emb, zeros(ids, DType::i64), "Embedding ids " + ids.str());
  EXPECT_EQ(emb.output_shape({8, 35}), Shape({8, 35, 4}));

  TimeDistributed conv(Conv2d({.in = 1, .out = 4, .kernel = 3}));
  expect_inferred_like_forward(conv, {2, 3, 1, 8, 8}, "TimeDistributed(Conv2d)");
  TimeDistributed up(ConvTranspose2d(4, 2, 4, {.stride = 2, .padding = 1}));
  expect_inferred_like_forward(up, {2, 3, 4, 5, 5}, "TimeDistributed(ConvTranspose2d)");
  TimeDistributed flat{Flatten()};
  expect_inferred_like_forward(flat, {2, 3, 4, 5, 5}, "TimeDistributed(Flatten)");
  TimeDistributed dense(Dense(4, 6));
  expect_inferred_like_forward(dense, {2, 3, 4}, "TimeDistributed(Dense)");
  TimeDistributed lstm(LSTM({.input_size = 4, .hidden_size = 3, .return_sequences = false}));
  expect_inferred_like_forward(lstm, {2, 3, 5, 4}, "TimeDistributed(LSTM)");

  generative::Rbm rbm({.visible = 6, .hidden = 4});
  expect_inferred_like_forward(rbm, {3, 6}, "Rbm");
}

TEST(ShapeInferenceSequence, ArithmeticShowsHowTheSizeComesAbout) {
  ConvTranspose2d up({.in = 64, .out = 32, .kernel = 4, .stride = 2, .padding = 1});
  EXPECT_EQ(up.shape_arithmetic({1, 64, 7, 7}), "input 64x7x7, kernel 4, stride 2, padding 1, output_padding 0 -> 14x14");
  ConvTranspose2d odd({.in = 4, .out = 4, .kernel = 3, .stride = 2, .output_padding = 1, .groups = 2, .dilation = 2});
  EXPECT_EQ(odd.shape_arithmetic({1, 4, 5, 6}),
            "input 4x5x6, kernel 3, stride 2, padding 0, output_padding 1, dilation 2, groups 2 -> 14x16");
  EXPECT_EQ(Upsample({.scale_factor = 2}).shape_arithmetic({1, 16, 7, 7}), "input 16x7x7, scale_factor 2 -> 14x14");
  EXPECT_EQ(Upsample({.scale_factor = {1.5, 2}}).shape_arithmetic({1, 3, 5, 5}),
            "input 3x5x5, scale_factor 1.5x2 -> 7x10");
  EXPECT_EQ(Upsample({.size = {7, 9}, .mode = UpsampleMode::bilinear}).shape_arithmetic({1, 3, 5, 5}),
            "input 3x5x5, size 7x9 -> 7x9");
  EXPECT_EQ(LSTM({.input_size = 96, .hidden_size = 256, .return_sequences = false}).shape_arithmetic({1, 20, 96}),
            "20 steps of 96 features -> the last step's 256 (return_sequences false)");
  EXPECT_EQ(LSTM({.input_size = 96, .hidden_size = 256}).shape_arithmetic({1, 20, 96}), "");
  EXPECT_EQ(TimeDistributed(Conv2d({.in = 1, .out = 4, .kernel = 3})).shape_arithmetic({2, 5, 1, 8, 8}),
            "each of 5 steps: input 1x8x8, kernel 3, stride 1, padding 0 -> 6x6");
  EXPECT_EQ(TimeDistributed(Dense(4, 2)).shape_arithmetic({2, 5, 4}), "");
  EXPECT_EQ(Embedding(10, 4).shape_arithmetic({1, 35}), "");
}

TEST(ShapeInferenceSequence, MismatchesNameTheLayerWithExpectedAndFound) {
  ConvTranspose2d up({.in = 64, .out = 32, .kernel = 4, .stride = 2, .padding = 1});
  EXPECT_EQ(error_message([&] { up.output_shape({1, 32, 7, 7}); }),
            "ConvTranspose2d(64 -> 32, kernel 4, stride 2, padding 1) expects 64 input channels but receives 32 "
            "(input [1, 32, 7, 7])");
  EXPECT_EQ(error_message([&] { up.output_shape({1, 3136}); }),
            "ConvTranspose2d(64 -> 32, kernel 4, stride 2, padding 1) expects [N, 64, H, W] (or [64, H, W]) but "
            "receives [1, 3136]");
  ConvTranspose2d shrink({.in = 2, .out = 2, .kernel = 1, .padding = 1});
  EXPECT_EQ(error_message([&] { shrink.output_shape({1, 2, 2, 3}); }),
            "ConvTranspose2d(2 -> 2, kernel 1, padding 1): input 2x2x3, kernel 1, stride 1, padding 1, "
            "output_padding 0 -> 0x1 (each side: (in - 1)*stride - 2*padding + dilation*(kernel - 1) + "
            "output_padding + 1): the output would be empty");
  // The same case when data flows, so the inference refuses exactly what forward refuses.
  EXPECT_NE(error_message([&] { shrink(zeros({1, 2, 2, 3})); }).find("the output would be empty"), std::string::npos);

  EXPECT_EQ(error_message([] { Upsample({.scale_factor = 2}).output_shape({1, 28, 28}); }),
            "Upsample(scale_factor 2) expects [N, C, H, W] but receives [1, 28, 28]");
  EXPECT_EQ(error_message([] { Upsample({.scale_factor = 0.4}).output_shape({1, 3, 2, 8}); }),
            "Upsample(scale_factor 0.4): input 3x2x8, scale_factor 0.4 -> 0x3 (each side: floor(in * "
            "scale_factor)): input and output planes must not be empty");
  EXPECT_EQ(error_message([] { Upsample({.size = 4, .mode = UpsampleMode::bilinear}).output_shape({2, 4}); }),
            "Upsample(size 4, bilinear) expects [N, C, H, W] but receives [2, 4]");

  LSTM lstm({.input_size = 96, .hidden_size = 256, .num_layers = 2});
  EXPECT_EQ(error_message([&] { lstm.output_shape({1, 20, 64}); }),
            "LSTM(96 -> 256, 2 layers) expects 96 features per step but receives 64 (input [1, 20, 64])");
  EXPECT_EQ(error_message([&] { lstm.output_shape({1, 96}); }),
            "LSTM(96 -> 256, 2 layers) expects [N, T, 96] (batch first) but receives [1, 96]");
  EXPECT_EQ(error_message([] { GRU({.input_size = 3, .hidden_size = 2}).output_shape({1, 0, 3}); }),
            "GRU(3 -> 2): the input needs at least one sequence and one step, got [1, 0, 3]");

  TimeDistributed td(Conv2d({.in = 3, .out = 4, .kernel = 3}));
  EXPECT_EQ(error_message([&] { td.output_shape({2, 5, 1, 8, 8}); }),
            "TimeDistributed(Conv2d): the steps of [2, 5, 1, 8, 8] folded into [10, 1, 8, 8]: Conv2d(3 -> 4, kernel "
            "3) expects 3 input channels but receives 1 (input [10, 1, 8, 8])");
  EXPECT_EQ(error_message([&] { td.output_shape({2, 3}); }),
            "TimeDistributed(Conv2d) expects an input [N, T, ...] of at least 3 dimensions but receives [2, 3]");
  TimeDistributed merges(Flatten(0));
  EXPECT_EQ(error_message([&] { merges.output_shape({2, 3, 4}); }),
            "TimeDistributed(Flatten): the layer changes the batch size from 6 to 24 (output [24])");

  generative::Rbm rbm({.visible = 784, .hidden = 256});
  EXPECT_EQ(error_message([&] { rbm.output_shape({1, 1, 28, 28}); }),
            "Rbm(784 x 256) expects v [N, 784] but receives [1, 1, 28, 28]");
}

TEST(ShapeInferenceSequence, FlopsCountMultiplyAdds) {
  // Transposed convolution: every input pixel meets every tap, in * H * W * out/groups * kH * kW.
  EXPECT_EQ(ConvTranspose2d(64, 32, 4, {.stride = 2, .padding = 1}).flops({1, 64, 7, 7}), 64 * 7 * 7 * 32 * 4 * 4);
  EXPECT_EQ(ConvTranspose2d({.in = 4, .out = 6, .kernel = {3, 2}, .groups = 2}).flops({2, 4, 5, 3}),
            2 * 4 * 5 * 3 * 3 * 3 * 2);
  // It is the adjoint of the convolution that maps its output back: the same count.
  EXPECT_EQ(ConvTranspose2d(64, 32, 4, {.stride = 2, .padding = 1}).flops({1, 64, 7, 7}),
            Conv2d({.in = 32, .out = 64, .kernel = 4, .stride = 2, .padding = 1}).flops({1, 32, 14, 14}));
  EXPECT_EQ(Upsample({.scale_factor = 2, .mode = UpsampleMode::bilinear}).flops({1, 3, 4, 4}), 0);
  EXPECT_EQ(Embedding(100, 16).flops({1, 35}), 0);

  // Recurrent: T steps of G * H * (F_k + H) per layer, G = 1, 4, 3 for RNN, LSTM, GRU.
  const RecurrentOptions o{.input_size = 10, .hidden_size = 20, .num_layers = 2};
  EXPECT_EQ(RNN(o).flops({1, 7, 10}), 7 * (20 * (10 + 20) + 20 * (20 + 20)));
  EXPECT_EQ(LSTM(o).flops({1, 7, 10}), 7 * (4 * 20 * (10 + 20) + 4 * 20 * (20 + 20)));
  EXPECT_EQ(GRU(o).flops({3, 7, 10}), 3 * 7 * (3 * 20 * (10 + 20) + 3 * 20 * (20 + 20)));
  RecurrentOptions last = o;
  last.return_sequences = false;  // every step is still computed
  EXPECT_EQ(LSTM(last).flops({1, 7, 10}), LSTM(o).flops({1, 7, 10}));

  // TimeDistributed: the layer's count over the N * T folded samples.
  EXPECT_EQ(TimeDistributed(Conv2d({.in = 1, .out = 4, .kernel = 3})).flops({2, 5, 1, 8, 8}), 2 * 5 * 4 * 6 * 6 * 9);
  EXPECT_EQ(generative::Rbm({.visible = 6, .hidden = 4}).flops({3, 6}), 3 * 6 * 4);
}

// A decoder whose dense layer was written for 14x14 maps, but kernel-3 stride-2 transposed
// convolutions without output_padding make 4 -> 7 -> 13: the error shows how 13x13 came about.
TEST(ShapeInferenceSequence, SequentialTracesTransposedConvolutions) {
  Sequential net{named("up1", ConvTranspose2d(8, 4, 3, {.stride = 2, .padding = 1})), ReLU(),
                 named("up2", ConvTranspose2d(4, 1, 3, {.stride = 2, .padding = 1})), Flatten(), Dense(196, 10)};
  EXPECT_EQ(error_message([&] { net.output_shape({1, 8, 4, 4}); }),
            "layers.4 (Dense): Dense(196 -> 10) expects 196 input features but receives 169 (input [1, 169]); before "
            "it: layers.0 'up1' (ConvTranspose2d): input 8x4x4, kernel 3, stride 2, padding 1, output_padding 0 -> "
            "7x7; layers.2 'up2' (ConvTranspose2d): input 4x7x7, kernel 3, stride 2, padding 1, output_padding 0 -> "
            "13x13; layers.3 (Flatten): 1x13x13 -> 169");
}

// Graph refused these layers before they had shape inference; an LSTM language model on
// int64 ids now builds, checks its shapes and runs.
TEST(ShapeInferenceSequence, GraphBuildsAnLstmLanguageModel) {
  Graph net;
  Node ids = net.input("ids", {12});
  Node h = net.layer("embed", Embedding(50, 8), ids);
  h = net.layer("lstm", LSTM({.input_size = 8, .hidden_size = 16}), h);
  Node logits = net.layer("logits", Dense(16, 50), h);
  net.output(logits);
  EXPECT_EQ(net.sample_shape(h), Shape({12, 16}));
  EXPECT_EQ(net(zeros({3, 12}, DType::i64)).shape(), Shape({3, 12, 50}));
  EXPECT_EQ(error_message([&] { net.layer("gru", GRU({.input_size = 8, .hidden_size = 4}), h); }),
            "Graph: gru (GRU): GRU(8 -> 4) expects 8 features per step but receives 16 (input [1, 12, 16])");
}

}  // namespace
}  // namespace soma::nn
