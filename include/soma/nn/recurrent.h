// Recurrent layers: nn::RNN (tanh or ReLU), nn::LSTM and nn::GRU, with PyTorch's parameter
// names, layouts, gate orders and initialization, batch first ([N, T, F], PyTorch's
// batch_first=True), several stacked layers, and two Keras options: return only the last
// step, and a stateful mode that carries the final states into the next call (truncated
// backpropagation through time). Each layer is one fused node (ops/recurrent.h).
// Formulas and usage: docs/recurrent.md.
#pragma once

#include <vector>

#include "soma/core/generator.h"
#include "soma/nn/module.h"
#include "soma/ops/recurrent.h"

namespace soma::nn {

enum class Nonlinearity { tanh, relu };

struct RecurrentOptions {
  std::int64_t input_size = 0;   ///< F, features per step (required, > 0)
  std::int64_t hidden_size = 0;  ///< H (required, > 0)
  std::int64_t num_layers = 1;   ///< stacked layers; layer k > 0 reads layer k - 1's outputs
  bool bias = true;              ///< the two bias vectors b_ih and b_hh of every layer
  /// RNN only: h_t = tanh(...) or relu(...). LSTM and GRU accept only tanh.
  Nonlinearity nonlinearity = Nonlinearity::tanh;
  /// forward(x) returns every step [N, T, H] (true) or only the last one [N, H] (Keras'
  /// return_sequences=False).
  bool return_sequences = true;
  /// Keras' stateful=True: each call starts from the previous call's final states (detached:
  /// gradients stop at the call boundary), until reset_states(). Every call must then have
  /// the same batch size. Without it every call starts from zeros unless states are given.
  bool stateful = false;
  DType dtype = DType::f32;  ///< dtype of the parameters (and of the inputs they accept)
};

/// What forward(x, h0, c0) returns. output: [N, T, H] (or [N, H] when return_sequences is
/// false); h_n and c_n: [num_layers, N, H], the final states of every layer (c_n for LSTM only).
struct RecurrentResult {
  Tensor output, h_n, c_n;
};

/// The common part of RNN, LSTM and GRU: the stacked layers and the state handling.
class Recurrent : public Module {
 public:
  /// x [N, T, input_size] -> [N, T, H] (or [N, H]); initial states are zeros, or the carried
  /// ones in stateful mode. Throws soma::Error naming the layer when x is not [N, T, input_size].
  Tensor forward(const Tensor& x) override;
  /// As above from given initial states h0 (and c0 for LSTM), each [num_layers, N, H]; an
  /// undefined state means zeros (or the carried state in stateful mode). Differentiable in
  /// x, h0, c0 and every parameter. Throws naming the layer when a state's shape is wrong.
  RecurrentResult forward(const Tensor& x, const Tensor& h0, const Tensor& c0 = Tensor());
  /// The shape forward(x) returns: [N, T, input_size] -> [N, T, H], or [N, H] when
  /// return_sequences is false (only `output`; h_n and c_n are [num_layers, N, H]). Throws
  /// naming the layer as forward does. Dtypes are not part of a shape: x must still be the
  /// layer's dtype when data flows.
  Shape output_shape(const Shape& input) const override;
  /// Only with return_sequences false, where the time axis goes: "20 steps of 96 features ->
  /// the last step's 256" (empty otherwise).
  std::string shape_arithmetic(const Shape& input) const override;
  /// The two matrix products of every step of every layer: T * G * H * (F_k + H) per
  /// sequence summed over layers (G = 1, 4, 3 gates for RNN, LSTM, GRU; F_0 = input_size,
  /// F_k = H above); the gates' elementwise products are not counted. The whole sequence is
  /// computed even when only the last step is returned.
  std::int64_t flops(const Shape& input) const override;
  /// Forgets the carried states (stateful mode): the next call starts from zeros.
  void reset_states();
  /// The carried states [num_layers, N, H] (undefined before the first stateful call).
  const Tensor& carried_h() const { return carried_h_; }
  const Tensor& carried_c() const { return carried_c_; }

  const RecurrentOptions& options() const { return options_; }
  RecurrentCell cell() const { return cell_; }
  /// Layer k's weights: w_ih [G*H, F_k], w_hh [G*H, H], b_ih, b_hh [G*H] (undefined without bias).
  const RecurrentWeights& weights(std::int64_t layer) const { return weights_.at(layer); }

 protected:
  /// `type` names the layer in errors ("LSTM").
  Recurrent(const char* type, RecurrentCell cell, const RecurrentOptions& options, Generator& gen);

 private:
  std::string describe() const;  // "LSTM(3 -> 5, 2 layers)" for error messages
  Tensor initial_state(const Tensor& given, const Tensor& carried, const char* what, std::int64_t N) const;

  std::string type_;
  RecurrentCell cell_;
  RecurrentOptions options_;
  std::vector<RecurrentWeights> weights_;
  Tensor carried_h_, carried_c_;
};

/// Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or ReLU). PyTorch's nn.RNN
/// with batch_first=True: parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
/// bias_hh_l{k}, all initialized U(-1/sqrt(H), 1/sqrt(H)) from `gen`.
///   nn::RNN rnn({.input_size = 5, .hidden_size = 16});  Tensor y = rnn(x);  // [N, T, 5] -> [N, T, 16]
class RNN : public Recurrent {
 public:
  explicit RNN(const RecurrentOptions& options, Generator& gen = default_generator());
  std::string type_name() const override { return "RNN"; }
};

/// LSTM with PyTorch's gate order i, f, g, o (weight_ih_l{k} is [4H, F]) and two biases.
///   nn::LSTM lstm({.input_size = 96, .hidden_size = 256, .num_layers = 2});
///   auto [y, h_n, c_n] = lstm.forward(x, Tensor());
class LSTM : public Recurrent {
 public:
  explicit LSTM(const RecurrentOptions& options, Generator& gen = default_generator());
  std::string type_name() const override { return "LSTM"; }
};

/// GRU with PyTorch's gate order r, z, n and b_hn inside the reset product:
/// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
class GRU : public Recurrent {
 public:
  explicit GRU(const RecurrentOptions& options, Generator& gen = default_generator());
  std::string type_name() const override { return "GRU"; }
};

}  // namespace soma::nn
