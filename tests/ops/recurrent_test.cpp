// Tests of include/soma/ops/recurrent.h: float64 gradchecks of the fused RNN (tanh, ReLU),
// LSTM and GRU nodes over 7 steps (input, initial states, both weights and both biases, with
// the output sequence, h_n and c_n all projected); without biases; forward values against a
// step-by-step loop written with soma's ordinary ops; float32 against float64; errors.
// PyTorch's values are checked in tests/reference/rnn_reference_test.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/linalg.h"
#include "soma/ops/recurrent.h"
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

constexpr std::int64_t N = 2, kSteps = 7, F = 3, H = 4;

// Everything the layer returns, flattened into one vector, so one projection covers it all.
Tensor all_outputs(const RecurrentOutputs& o) {
  std::vector<Tensor> parts{reshape(o.output, {-1}), reshape(o.h_n, {-1})};
  if (o.c_n.defined()) parts.push_back(reshape(o.c_n, {-1}));
  return cat(parts);
}

// Inputs: x, h0, (c0), w_ih, w_hh, b_ih, b_hh — small weights keep the gates off saturation.
std::vector<Tensor> inputs_for(RecurrentCell cell, bool bias = true) {
  const std::int64_t GH = gate_count(cell) * H;
  std::vector<Tensor> in{random64({N, kSteps, F}, 1), random64({N, H}, 2, 0, 0.5)};
  if (cell == RecurrentCell::lstm) in.push_back(random64({N, H}, 3, 0, 0.5));
  in.push_back(random64({GH, F}, 4, 0, 0.4));
  in.push_back(random64({GH, H}, 5, 0, 0.4));
  if (bias) {
    in.push_back(random64({GH}, 6, 0, 0.3));
    in.push_back(random64({GH}, 7, 0, 0.3));
  }
  return in;
}

::testing::AssertionResult same(const Tensor& actual, const Tensor& expected, double tol) {
  return test::values_near(actual, expected.shape(), actual.dtype(), values(expected), tol);
}

RecurrentOutputs run(RecurrentCell cell, In in) {
  const bool lstm = cell == RecurrentCell::lstm;
  const std::size_t w = lstm ? 3 : 2;
  RecurrentWeights weights{in[w], in[w + 1], in.size() > w + 2 ? in[w + 2] : Tensor(),
                           in.size() > w + 2 ? in[w + 3] : Tensor()};
  return recurrent_layer(cell, in[0], in[1], lstm ? in[2] : Tensor(), weights);
}

class RecurrentCells : public ::testing::TestWithParam<RecurrentCell> {};

TEST_P(RecurrentCells, Gradcheck) {
  const RecurrentCell cell = GetParam();
  EXPECT_TRUE(gradcheck([cell](In in) { return all_outputs(run(cell, in)); }, inputs_for(cell)));
}

TEST_P(RecurrentCells, GradcheckWithoutBias) {
  const RecurrentCell cell = GetParam();
  EXPECT_TRUE(gradcheck([cell](In in) { return all_outputs(run(cell, in)); }, inputs_for(cell, false)));
}

// The same recurrence written with matmul, sigmoid, tanh and slices (the autograd of ordinary
// ops), step by step: the fused node must give the same outputs.
RecurrentOutputs unfused(RecurrentCell cell, In in) {
  const bool lstm = cell == RecurrentCell::lstm;
  const std::size_t w = lstm ? 3 : 2;
  const Tensor &x = in[0], &w_ih = in[w], &w_hh = in[w + 1], &b_ih = in[w + 2], &b_hh = in[w + 3];
  Tensor h = in[1], c = lstm ? in[2] : Tensor();
  std::vector<Tensor> hs;
  for (std::int64_t t = 0; t < x.size(1); ++t) {
    const Tensor xt = reshape(slice(x, 1, t, t + 1), {x.size(0), x.size(2)});
    const Tensor gx = linear(xt, w_ih, b_ih), gh = linear(h, w_hh, b_hh);
    auto part = [](const Tensor& g, int k) { return slice(g, 1, k * H, (k + 1) * H); };
    switch (cell) {
      case RecurrentCell::rnn_tanh: h = tanh(gx + gh); break;
      case RecurrentCell::rnn_relu: h = relu(gx + gh); break;
      case RecurrentCell::lstm: {
        const Tensor g = gx + gh;
        c = sigmoid(part(g, 1)) * c + sigmoid(part(g, 0)) * tanh(part(g, 2));
        h = sigmoid(part(g, 3)) * tanh(c);
        break;
      }
      case RecurrentCell::gru: {
        const Tensor r = sigmoid(part(gx, 0) + part(gh, 0)), z = sigmoid(part(gx, 1) + part(gh, 1));
        const Tensor n = tanh(part(gx, 2) + r * part(gh, 2));
        h = (1.0 - z) * n + z * h;
        break;
      }
    }
    hs.push_back(h);
  }
  return {stack(hs, 1), h, c};
}

TEST_P(RecurrentCells, MatchesStepByStepOps) {
  const RecurrentCell cell = GetParam();
  const std::vector<Tensor> in = inputs_for(cell);
  const RecurrentOutputs fused = run(cell, in), plain = unfused(cell, in);
  EXPECT_TRUE(same(fused.output, plain.output, 1e-12));
  EXPECT_TRUE(same(fused.h_n, plain.h_n, 1e-12));
  if (cell == RecurrentCell::lstm) EXPECT_TRUE(same(fused.c_n, plain.c_n, 1e-12));
  EXPECT_EQ(fused.output.shape(), (Shape{N, kSteps, H}));
  EXPECT_EQ(fused.h_n.shape(), (Shape{N, H}));
}

TEST_P(RecurrentCells, Float32MatchesFloat64) {
  const RecurrentCell cell = GetParam();
  const std::vector<Tensor> in = inputs_for(cell);
  std::vector<Tensor> in32;
  for (const Tensor& t : in) in32.push_back(t.to(DType::f32));
  const RecurrentOutputs o64 = run(cell, in), o32 = run(cell, in32);
  EXPECT_EQ(o32.output.dtype(), DType::f32);
  EXPECT_TRUE(same(o32.output, o64.output, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(AllCells, RecurrentCells,
                         ::testing::Values(RecurrentCell::rnn_tanh, RecurrentCell::rnn_relu, RecurrentCell::lstm,
                                           RecurrentCell::gru),
                         [](const auto& info) { return std::string(name_of(info.param)); });

TEST(RecurrentLayer, ErrorsNameTheCellAndShapes) {
  std::vector<Tensor> in = inputs_for(RecurrentCell::lstm);
  RecurrentWeights w{in[3], in[4], in[5], in[6]};
  EXPECT_TRUE(throws_error_with([&] { recurrent_layer(RecurrentCell::lstm, random64({2, 7, 5}), in[1], in[2], w); },
                                {"lstm", "w_ih must have shape [16, 5]", "[16, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { recurrent_layer(RecurrentCell::lstm, in[0], random64({3, 4}), in[2], w); },
                                {"lstm", "h0 must have shape [2, 4]", "[3, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { recurrent_layer(RecurrentCell::lstm, in[0], in[1], Tensor(), w); },
                                {"lstm: c0 is undefined"}));
  EXPECT_TRUE(throws_error_with([&] { recurrent_layer(RecurrentCell::lstm, random64({2, 3}), in[1], in[2], w); },
                                {"lstm: expected an input [N, T, F]", "[2, 3]"}));
  EXPECT_TRUE(throws_error_with(
      [&] { recurrent_layer(RecurrentCell::lstm, in[0], in[1], in[2], {in[3], in[4], in[5], Tensor()}); },
      {"both biases"}));
  std::vector<Tensor> g = inputs_for(RecurrentCell::gru);
  EXPECT_TRUE(throws_error_with(
      [&] { recurrent_layer(RecurrentCell::gru, g[0], g[1], g[1], {g[2], g[3], g[4], g[5]}); },
      {"gru: only an LSTM has a cell state"}));
}

}  // namespace
}  // namespace soma
