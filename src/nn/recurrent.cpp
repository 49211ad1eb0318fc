// RNN, LSTM, GRU: PyTorch's parameters (names, layouts, U(+-1/sqrt(H)) init, registration
// order weight_ih, weight_hh, bias_ih, bias_hh per layer), stacked layers, initial and carried
// states. The math is in ops/recurrent.cpp.
#include "soma/nn/recurrent.h"

#include <cmath>
#include <sstream>

#include "soma/core/factory.h"
#include "soma/ops/view.h"

namespace soma::nn {

Recurrent::Recurrent(const char* type, RecurrentCell cell, const RecurrentOptions& options, Generator& gen)
    : type_(type), cell_(cell), options_(options) {
  SOMA_CHECK(options.input_size > 0 && options.hidden_size > 0, type, ": input_size and hidden_size must be positive, got ",
             options.input_size, " and ", options.hidden_size);
  SOMA_CHECK(options.num_layers >= 1, type, ": num_layers must be at least 1, got ", options.num_layers);
  SOMA_CHECK(is_floating(options.dtype), type, ": dtype must be float32 or float64, got ", name_of(options.dtype));
  const std::int64_t H = options.hidden_size, GH = gate_count(cell) * H;
  const double bound = 1.0 / std::sqrt(double(H));
  for (std::int64_t k = 0; k < options.num_layers; ++k) {
    const std::int64_t in = k == 0 ? options.input_size : H;
    const std::string s = "_l" + std::to_string(k);
    RecurrentWeights w;
    w.w_ih = register_parameter("weight_ih" + s, uniform({GH, in}, -bound, bound, gen, options.dtype));
    w.w_hh = register_parameter("weight_hh" + s, uniform({GH, H}, -bound, bound, gen, options.dtype));
    if (options.bias) {
      w.b_ih = register_parameter("bias_ih" + s, uniform({GH}, -bound, bound, gen, options.dtype));
      w.b_hh = register_parameter("bias_hh" + s, uniform({GH}, -bound, bound, gen, options.dtype));
    }
    weights_.push_back(std::move(w));
  }
}

std::string Recurrent::describe() const {
  std::ostringstream s;
  s << type_ << "(" << options_.input_size << " -> " << options_.hidden_size;
  if (options_.num_layers > 1) s << ", " << options_.num_layers << " layers";
  s << ")";
  return s.str();
}

Tensor Recurrent::initial_state(const Tensor& given, const Tensor& carried, const char* what, std::int64_t N) const {
  const Shape expected{options_.num_layers, N, options_.hidden_size};
  if (given.defined()) {
    SOMA_CHECK(given.shape() == expected, describe(), ": ", what, " must have shape [num_layers, N, hidden_size] = ",
               expected, ", got ", given.shape());
    SOMA_CHECK(given.dtype() == options_.dtype, describe(), ": ", what, " is ", name_of(given.dtype()),
               " but the layer is ", name_of(options_.dtype));
    return given;
  }
  if (options_.stateful && carried.defined()) {
    SOMA_CHECK(carried.shape() == expected, describe(), ": stateful mode carries states of batch size ",
               carried.size(1), " but this input has batch size ", N, "; call reset_states() first");
    return carried;
  }
  return zeros(expected, options_.dtype);
}

Shape Recurrent::output_shape(const Shape& input) const {
  const std::int64_t F = options_.input_size;
  SOMA_CHECK(input.dim() == 3, describe(), " expects [N, T, ", F, "] (batch first) but receives ", input);
  SOMA_CHECK(input[2] == F, describe(), " expects ", F, " features per step but receives ", input[2], " (input ",
             input, ")");
  SOMA_CHECK(input[0] > 0 && input[1] > 0, describe(), ": the input needs at least one sequence and one step, got ",
             input);
  if (!options_.return_sequences) return {input[0], options_.hidden_size};
  return {input[0], input[1], options_.hidden_size};
}

std::string Recurrent::shape_arithmetic(const Shape& input) const {
  output_shape(input);
  if (options_.return_sequences) return "";
  return std::to_string(input[1]) + " steps of " + std::to_string(input[2]) + " features -> the last step's " +
         std::to_string(options_.hidden_size) + " (return_sequences false)";
}

std::int64_t Recurrent::flops(const Shape& input) const {
  output_shape(input);
  const std::int64_t H = options_.hidden_size, G = gate_count(cell_);
  std::int64_t per_step = 0;
  for (std::int64_t k = 0; k < options_.num_layers; ++k)
    per_step += G * H * ((k == 0 ? options_.input_size : H) + H);
  return input[0] * input[1] * per_step;
}

Tensor Recurrent::forward(const Tensor& x) { return forward(x, Tensor(), Tensor()).output; }

RecurrentResult Recurrent::forward(const Tensor& x, const Tensor& h0, const Tensor& c0) {
  SOMA_CHECK(x.defined() && x.dim() == 3 && x.size(2) == options_.input_size, describe(),
             ": expects an input [N, T, ", options_.input_size, "] (batch first) but receives shape ",
             x.defined() ? x.shape() : Shape{});
  SOMA_CHECK(x.dtype() == options_.dtype, describe(), ": the input is ", name_of(x.dtype()), " but the layer is ",
             name_of(options_.dtype));
  SOMA_CHECK(x.size(0) > 0 && x.size(1) > 0, describe(), ": the input needs at least one sequence and one step, got ",
             x.shape());
  const bool lstm = cell_ == RecurrentCell::lstm;
  SOMA_CHECK(lstm || !c0.defined(), describe(), ": only an LSTM has a cell state; c0 must be undefined");
  const std::int64_t N = x.size(0), L = options_.num_layers;
  const Tensor h_init = initial_state(h0, carried_h_, "h0", N);
  const Tensor c_init = lstm ? initial_state(c0, carried_c_, "c0", N) : Tensor();

  Tensor seq = x;
  std::vector<Tensor> h_n, c_n;
  for (std::int64_t k = 0; k < L; ++k) {
    // Layer k's initial state: row k of [L, N, H] (a view; its gradient flows back to h0).
    auto row = [&](const Tensor& s) { return squeeze(slice(s, 0, k, k + 1), 0); };
    RecurrentOutputs o = recurrent_layer(cell_, seq, row(h_init), lstm ? row(c_init) : Tensor(), weights_[k]);
    seq = o.output;
    h_n.push_back(o.h_n);
    if (lstm) c_n.push_back(o.c_n);
  }
  RecurrentResult result;
  result.h_n = stack(h_n, 0);
  if (lstm) result.c_n = stack(c_n, 0);
  result.output = options_.return_sequences ? seq : h_n.back();
  if (options_.stateful) {  // carried detached: the next call's gradients stop here
    carried_h_ = result.h_n.detach();
    if (lstm) carried_c_ = result.c_n.detach();
  }
  return result;
}

void Recurrent::reset_states() {
  carried_h_ = Tensor();
  carried_c_ = Tensor();
}

RNN::RNN(const RecurrentOptions& options, Generator& gen)
    : Recurrent("RNN", options.nonlinearity == Nonlinearity::relu ? RecurrentCell::rnn_relu : RecurrentCell::rnn_tanh,
                options, gen) {}

LSTM::LSTM(const RecurrentOptions& options, Generator& gen) : Recurrent("LSTM", RecurrentCell::lstm, options, gen) {
  SOMA_CHECK(options.nonlinearity == Nonlinearity::tanh, "LSTM: nonlinearity is an RNN option; LSTM uses tanh");
}

GRU::GRU(const RecurrentOptions& options, Generator& gen) : Recurrent("GRU", RecurrentCell::gru, options, gen) {
  SOMA_CHECK(options.nonlinearity == Nonlinearity::tanh, "GRU: nonlinearity is an RNN option; GRU uses tanh");
}

}  // namespace soma::nn
