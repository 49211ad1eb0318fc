// Tests of include/soma/nn/recurrent.h: PyTorch's parameter names, shapes and init range;
// float64 gradchecks of two stacked layers (the way the module stacks them); zero initial
// states by default; return_sequences = false; stateful mode (chunks continue the full
// sequence, gradients stop at the chunk boundary, reset_states, batch-size change); float32;
// errors naming the layer. PyTorch's values: tests/reference/rnn_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/recurrent.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values;
using In = const std::vector<Tensor>&;

::testing::AssertionResult same(const Tensor& actual, const Tensor& expected, double tol) {
  return test::values_near(actual, expected.shape(), actual.dtype(), values(expected), tol);
}

TEST(RecurrentLayer, ParameterNamesShapesAndInitFollowPyTorch) {
  nn::LSTM lstm({.input_size = 3, .hidden_size = 5, .num_layers = 2});
  const auto p = lstm.named_parameters();
  ASSERT_EQ(p.size(), 8u);
  const char* names[] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"};
  const Shape shapes[] = {{20, 3}, {20, 5}, {20}, {20}, {20, 5}, {20, 5}, {20}, {20}};
  const double bound = 1 / std::sqrt(5.0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].first, names[i]);
    EXPECT_EQ(p[i].second.shape(), shapes[i]);
    for (double v : values(p[i].second)) EXPECT_LE(std::abs(v), bound);
  }
  nn::GRU gru({.input_size = 3, .hidden_size = 5, .bias = false});
  ASSERT_EQ(gru.named_parameters().size(), 2u);
  EXPECT_EQ(gru.named_parameters()[0].second.shape(), (Shape{15, 3}));
  nn::RNN rnn({.input_size = 3, .hidden_size = 5});
  EXPECT_EQ(rnn.named_parameters()[1].second.shape(), (Shape{5, 5}));
  EXPECT_EQ(rnn.cell(), RecurrentCell::rnn_tanh);
  EXPECT_EQ(nn::RNN({.input_size = 3, .hidden_size = 5, .nonlinearity = nn::Nonlinearity::relu}).cell(),
            RecurrentCell::rnn_relu);
}

// Two layers stacked as the module does: layer 1 reads layer 0's output sequence.
Tensor two_layers(RecurrentCell cell, In in) {
  const bool lstm = cell == RecurrentCell::lstm;
  const std::size_t w = lstm ? 5 : 3;  // x, h0 [2], (c0 [2]), then 4 weights per layer
  auto weights = [&](std::size_t k) {
    return RecurrentWeights{in[w + 4 * k], in[w + 4 * k + 1], in[w + 4 * k + 2], in[w + 4 * k + 3]};
  };
  const RecurrentOutputs a = recurrent_layer(cell, in[0], in[1], lstm ? in[3] : Tensor(), weights(0));
  const RecurrentOutputs b = recurrent_layer(cell, a.output, in[2], lstm ? in[4] : Tensor(), weights(1));
  std::vector<Tensor> parts{reshape(b.output, {-1}), reshape(a.h_n, {-1})};
  if (lstm) parts.push_back(reshape(a.c_n, {-1}));
  return cat(parts);
}

class TwoLayers : public ::testing::TestWithParam<RecurrentCell> {};

TEST_P(TwoLayers, Gradcheck) {
  const RecurrentCell cell = GetParam();
  const std::int64_t N = 2, T = 7, F = 3, H = 3, GH = gate_count(cell) * H;
  std::vector<Tensor> in{random64({N, T, F}, 1), random64({N, H}, 2, 0, 0.5), random64({N, H}, 3, 0, 0.5)};
  if (cell == RecurrentCell::lstm) {
    in.push_back(random64({N, H}, 4, 0, 0.5));
    in.push_back(random64({N, H}, 5, 0, 0.5));
  }
  for (std::int64_t k = 0; k < 2; ++k) {
    in.push_back(random64({GH, k == 0 ? F : H}, 10 + k, 0, 0.5));
    in.push_back(random64({GH, H}, 20 + k, 0, 0.5));
    in.push_back(random64({GH}, 30 + k, 0, 0.3));
    in.push_back(random64({GH}, 40 + k, 0, 0.3));
  }
  EXPECT_TRUE(gradcheck([cell](In v) { return two_layers(cell, v); }, in));
}

INSTANTIATE_TEST_SUITE_P(AllCells, TwoLayers,
                         ::testing::Values(RecurrentCell::rnn_tanh, RecurrentCell::rnn_relu, RecurrentCell::lstm,
                                           RecurrentCell::gru),
                         [](const auto& info) { return std::string(name_of(info.param)); });

TEST(RecurrentLayer, ZeroStatesByDefaultAndLastStepOnly) {
  Generator gen(3);
  nn::GRU gru({.input_size = 3, .hidden_size = 4, .num_layers = 2, .dtype = DType::f64}, gen);
  const Tensor x = random64({2, 6, 3});
  const nn::RecurrentResult full = gru.forward(x, Tensor());
  const nn::RecurrentResult zero = gru.forward(x, zeros({2, 2, 4}, DType::f64));
  EXPECT_TRUE(same(full.output, zero.output, 0));
  EXPECT_EQ(full.output.shape(), (Shape{2, 6, 4}));
  EXPECT_EQ(full.h_n.shape(), (Shape{2, 2, 4}));
  EXPECT_FALSE(full.c_n.defined());
  // the last layer's final state is the last step of the output
  EXPECT_TRUE(same(squeeze(slice(full.h_n, 0, 1, 2), 0), squeeze(slice(full.output, 1, 5, 6), 1), 0));

  Generator gen2(3);
  nn::GRU last({.input_size = 3, .hidden_size = 4, .num_layers = 2, .return_sequences = false, .dtype = DType::f64},
               gen2);
  const Tensor y = last(x);
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_TRUE(same(y, squeeze(slice(full.output, 1, 5, 6), 1), 0));
}

TEST(RecurrentLayer, StatefulChunksContinueTheSequenceAndCutTheGradient) {
  Generator gen(5), gen2(5);
  nn::LSTM whole({.input_size = 2, .hidden_size = 3, .num_layers = 2, .dtype = DType::f64}, gen);
  nn::LSTM chunked({.input_size = 2, .hidden_size = 3, .num_layers = 2, .stateful = true, .dtype = DType::f64}, gen2);
  Tensor x = random64({2, 8, 2});
  x.set_requires_grad();
  const nn::RecurrentResult full = whole.forward(x, Tensor());
  const Tensor first = chunked(slice(x, 1, 0, 5));
  EXPECT_FALSE(chunked.carried_h().requires_grad());
  EXPECT_EQ(chunked.carried_c().shape(), (Shape{2, 2, 3}));
  const Tensor second = chunked(slice(x, 1, 5, 8));
  EXPECT_TRUE(same(cat({first, second}, 1), full.output, 1e-14));
  // truncated BPTT: the second chunk's loss reaches only its own steps of x
  sum(second).backward();
  const std::vector<double> g = values(x.grad());
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t t = 0; t < 8; ++t)
      for (std::int64_t f = 0; f < 2; ++f) {
        const double v = g[(n * 8 + t) * 2 + f];
        if (t < 5) EXPECT_EQ(v, 0.0) << "step " << t;
        else EXPECT_NE(v, 0.0) << "step " << t;
      }
  EXPECT_TRUE(throws_error_with([&] { chunked(random64({3, 4, 2})); },
                                {"LSTM(2 -> 3, 2 layers)", "batch size 2", "batch size 3", "reset_states()"}));
  chunked.reset_states();
  EXPECT_FALSE(chunked.carried_h().defined());
  const Tensor again = chunked(slice(x, 1, 0, 5));
  EXPECT_TRUE(same(again, first, 0));
}

TEST(RecurrentLayer, Float32ByDefault) {
  nn::RNN rnn({.input_size = 3, .hidden_size = 4});
  const Tensor y = rnn(random64({2, 5, 3}).to(DType::f32));
  EXPECT_EQ(y.dtype(), DType::f32);
  EXPECT_EQ(y.shape(), (Shape{2, 5, 4}));
}

TEST(RecurrentLayer, ErrorsNameTheLayer) {
  nn::LSTM lstm({.input_size = 3, .hidden_size = 5, .num_layers = 2, .dtype = DType::f64});
  EXPECT_TRUE(throws_error_with([&] { lstm(random64({2, 7, 4})); },
                                {"LSTM(3 -> 5, 2 layers)", "expects an input [N, T, 3]", "[2, 7, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { lstm(random64({2, 7})); }, {"LSTM(3 -> 5, 2 layers)", "[2, 7]"}));
  EXPECT_TRUE(throws_error_with([&] { lstm.forward(random64({2, 7, 3}), random64({1, 2, 5})); },
                                {"LSTM(3 -> 5, 2 layers)", "h0 must have shape", "[2, 2, 5]", "[1, 2, 5]"}));
  EXPECT_TRUE(throws_error_with([&] { lstm.forward(random64({2, 7, 3}), Tensor(), random64({2, 3, 5})); },
                                {"LSTM(3 -> 5, 2 layers)", "c0 must have shape", "[2, 2, 5]", "[2, 3, 5]"}));
  EXPECT_TRUE(throws_error_with([&] { lstm(random64({2, 7, 3}).to(DType::f32)); },
                                {"LSTM(3 -> 5, 2 layers)", "the input is float32 but the layer is float64"}));
  nn::GRU gru({.input_size = 3, .hidden_size = 5});
  EXPECT_TRUE(throws_error_with([&] { gru.forward(random64({2, 7, 3}).to(DType::f32), Tensor(), zeros({1, 2, 5})); },
                                {"GRU(3 -> 5)", "only an LSTM has a cell state"}));
  EXPECT_TRUE(throws_error_with([] { nn::RNN({.input_size = 0, .hidden_size = 5}); }, {"RNN", "positive"}));
  EXPECT_TRUE(throws_error_with(
      [] { nn::LSTM({.input_size = 2, .hidden_size = 5, .nonlinearity = nn::Nonlinearity::relu}); },
      {"LSTM", "nonlinearity"}));
}

}  // namespace
}  // namespace soma
