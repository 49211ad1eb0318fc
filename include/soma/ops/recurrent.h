// Recurrent layers over a whole sequence: one fused autograd node per layer (Elman RNN with
// tanh or ReLU, LSTM, GRU) with PyTorch's weight layouts and gate orders. The input projection
// of every time step is one GEMM; the recurrence runs step by step; backward through time is
// hand-written inside the node. Formulas: docs/recurrent.md. The nn layers (nn/recurrent.h)
// stack these and own the weights.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// The cell of a recurrent layer. Gates per cell (G): 1, 1, 4 (i, f, g, o), 3 (r, z, n).
enum class RecurrentCell { rnn_tanh, rnn_relu, lstm, gru };

/// G: 1 for the RNN cells, 4 for LSTM, 3 for GRU.
int gate_count(RecurrentCell cell);
/// "rnn_tanh", "rnn_relu", "lstm", "gru" (used in error messages).
const char* name_of(RecurrentCell cell);

/// One layer's parameters in PyTorch's layout: w_ih [G*H, F], w_hh [G*H, H], b_ih and b_hh
/// [G*H] (both defined or both undefined). Gate blocks are stacked in PyTorch's order.
struct RecurrentWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

/// What a layer returns: output [N, T, H] (h_t at every step), h_n [N, H] (the last step's
/// hidden state) and, for LSTM only, c_n [N, H] (the last cell state; undefined otherwise).
struct RecurrentOutputs {
  Tensor output, h_n, c_n;
};

/// Runs one recurrent layer over x [N, T, F] (batch first) from the initial state h0 [N, H]
/// (and c0 [N, H] for LSTM; must be undefined for the other cells). All tensors share one
/// floating dtype. Differentiable in x, h0, c0 and every weight; T >= 1.
///   rnn:  h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
///   lstm: i, f, g, o = sigma, sigma, tanh, sigma of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
///         c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
///   gru:  r, z = sigma(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z})
///         n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn));  h_t = (1 - z) * n + z * h_{t-1}
/// Throws soma::Error naming the cell, the tensor and both shapes on any mismatch.
RecurrentOutputs recurrent_layer(RecurrentCell cell, const Tensor& x, const Tensor& h0, const Tensor& c0,
                                 const RecurrentWeights& weights);

}  // namespace soma
