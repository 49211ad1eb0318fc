// recurrent_layer: a whole sequence through one RNN / LSTM / GRU layer as one autograd node.
// Forward: the input projection of all N*T steps is one GEMM [N*T, F] x [F, G*H] (biases
// folded in), then per step one GEMM [N, H] x [H, G*H] accumulates W_hh h_{t-1} into that
// step's rows and the cell kernel (kernels/recurrent_cells.h) applies the gates. Backward
// through time walks the steps in reverse, carrying dh (and dc); the weight gradients are then
// one GEMM each over all steps. Buffers are [N, T, ...] (batch first); a step's rows are
// strided views into them, so nothing is transposed or copied per step.
#include "soma/ops/recurrent.h"

#include <omp.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/recurrent_cells.h"
#include "soma/autograd/function.h"
#include "soma/core/factory.h"
#include "soma/ops/view.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

int gate_count(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::lstm: return 4;
    case RecurrentCell::gru: return 3;
    default: return 1;
  }
}

const char* name_of(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::rnn_tanh: return "rnn_tanh";
    case RecurrentCell::rnn_relu: return "rnn_relu";
    case RecurrentCell::lstm: return "lstm";
    default: return "gru";
  }
}

namespace {

struct SeqDims {
  std::int64_t N = 0, steps = 0, F = 0, H = 0, G = 1;
  std::int64_t GH() const { return G * H; }
};

void check_shape(const Tensor& t, const Shape& expected, const char* what, RecurrentCell cell, const Tensor& x) {
  SOMA_CHECK(t.defined(), name_of(cell), ": ", what, " is undefined (expected shape ", expected, ")");
  SOMA_CHECK(t.dtype() == x.dtype(), name_of(cell), ": ", what, " is ", name_of(t.dtype()), " but the input is ",
             name_of(x.dtype()));
  SOMA_CHECK(t.shape() == expected, name_of(cell), ": ", what, " must have shape ", expected, ", got ", t.shape(),
             " (input ", x.shape(), ")");
}

SeqDims check_inputs(RecurrentCell cell, const Tensor& x, const Tensor& h0, const Tensor& c0,
                     const RecurrentWeights& w) {
  const char* name = name_of(cell);
  SOMA_CHECK(x.defined(), name, ": the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), name, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() == 3, name, ": expected an input [N, T, F] (batch first), got shape ", x.shape());
  SOMA_CHECK(x.size(0) > 0 && x.size(1) > 0, name, ": the input needs at least one sequence and one step, got shape ",
             x.shape());
  SOMA_CHECK(w.w_hh.defined() && w.w_hh.dim() == 2, name, ": w_hh must be [G*H, H]");
  SeqDims d{.N = x.size(0), .steps = x.size(1), .F = x.size(2), .H = w.w_hh.size(1), .G = gate_count(cell)};
  SOMA_CHECK(d.H > 0, name, ": the hidden size must be positive, w_hh is ", w.w_hh.shape());
  check_shape(w.w_hh, Shape{d.GH(), d.H}, "w_hh", cell, x);
  check_shape(w.w_ih, Shape{d.GH(), d.F}, "w_ih", cell, x);
  SOMA_CHECK(w.b_ih.defined() == w.b_hh.defined(), name, ": give both biases b_ih and b_hh, or neither");
  if (w.b_ih.defined()) {
    check_shape(w.b_ih, Shape{d.GH()}, "b_ih", cell, x);
    check_shape(w.b_hh, Shape{d.GH()}, "b_hh", cell, x);
  }
  check_shape(h0, Shape{d.N, d.H}, "h0", cell, x);
  if (cell == RecurrentCell::lstm) check_shape(c0, Shape{d.N, d.H}, "c0", cell, x);
  else SOMA_CHECK(!c0.defined(), name, ": only an LSTM has a cell state; c0 must be undefined");
  return d;
}

// NOTE: the per-step products [N, H] x [H, G*H] form a chain, each waiting on the last. Above
// kernels/gemm's threshold each would open a parallel region, and on a machine whose cores
// are shared every region waits until all its threads get a core: B4 (N 32, H 256, 64 steps)
// ran 13x slower on 2 threads than on 1 under load. Below kSerialStep multiply-adds per step
// the recurrence therefore runs on the calling thread; the one-shot products over all steps
// (input projection, weight gradients) keep every thread.
constexpr std::int64_t kSerialStep = std::int64_t(1) << 24;

class SerialScope {
 public:
  explicit SerialScope(bool on) : saved_(omp_get_max_threads()), on_(on && saved_ > 1) {
    if (on_) omp_set_num_threads(1);
  }
  ~SerialScope() {
    if (on_) omp_set_num_threads(saved_);
  }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  int saved_;
  bool on_;
};

// Every row of the [rows, cols] matrix `out` starts as a (+ b when b is not null).
template <class T>
void fill_rows(T* out, std::int64_t rows, std::int64_t cols, const T* a, const T* b) {
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < cols; ++j) out[r * cols + j] = b ? a[j] + b[j] : a[j];
}

// Column sums of a [rows, cols] matrix (a bias gradient).
template <class T>
Tensor column_sums(const T* m, std::int64_t rows, std::int64_t cols, DType dtype) {
  Tensor out = zeros(Shape{cols}, dtype);
  T* p = out.data<T>();
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < cols; ++j) p[j] += m[r * cols + j];
  return out;
}

}  // namespace

RecurrentOutputs recurrent_layer(RecurrentCell cell, const Tensor& x, const Tensor& h0, const Tensor& c0,
                                 const RecurrentWeights& w) {
  const SeqDims d = check_inputs(cell, x, h0, c0, w);
  const bool lstm = cell == RecurrentCell::lstm, gru = cell == RecurrentCell::gru,
             relu = cell == RecurrentCell::rnn_relu, has_bias = w.b_ih.defined();
  const std::int64_t N = d.N, steps = d.steps, F = d.F, H = d.H, GH = d.GH();
  // The node's one output: h_1..h_T, and for an LSTM c_T appended as step T + 1.
  const std::int64_t out_steps = lstm ? steps + 1 : steps;
  Tensor packed(Shape{N, out_steps, H}, x.dtype());
  Tensor gates(Shape{N, steps, GH}, x.dtype());                         // pre-activations, then activations
  Tensor cells = lstm ? Tensor(Shape{N, steps, H}, x.dtype()) : Tensor();  // c_1..c_T
  Tensor hidden_n = gru ? Tensor(Shape{N, steps, H}, x.dtype()) : Tensor();  // W_hn h_{t-1} + b_hn

  dispatch_floating(x.dtype(), name_of(cell), [&]<class T>() {
    T* g = gates.data<T>();
    T* y = packed.data<T>();
    const std::int64_t ldg = steps * GH, ldy = out_steps * H, ldc = steps * H;
    const T* b_ih = has_bias ? w.b_ih.data<T>() : nullptr;
    const T* b_hh = has_bias ? w.b_hh.data<T>() : nullptr;
    // All steps' input projections at once; the GRU keeps b_hh out (its n gate needs W_hn h + b_hn alone).
    if (has_bias) fill_rows<T>(g, N * steps, GH, b_ih, gru ? nullptr : b_hh);
    kernels::gemm<T>(false, true, N * steps, GH, F, T(1), x.data<T>(), F, w.w_ih.data<T>(), F,
                     has_bias ? T(1) : T(0), g, GH);
    std::vector<T> gh(gru ? N * GH : 0);
    const T* w_hh = w.w_hh.data<T>();
    const SerialScope serial(N * H * GH < kSerialStep);
    for (std::int64_t t = 0; t < steps; ++t) {
      const T* hp = t == 0 ? h0.data<T>() : y + (t - 1) * H;
      const std::int64_t ldhp = t == 0 ? H : ldy;
      T* gt = g + t * GH;
      if (gru) {
        if (has_bias) fill_rows<T>(gh.data(), N, GH, b_hh, nullptr);
        kernels::gemm<T>(false, true, N, GH, H, T(1), hp, ldhp, w_hh, H, has_bias ? T(1) : T(0), gh.data(), GH);
        kernels::gru_step_forward<T>(N, H, gt, ldg, gh.data(), hp, ldhp, hidden_n.data<T>() + t * H, ldc,
                                     y + t * H, ldy);
        continue;
      }
      kernels::gemm<T>(false, true, N, GH, H, T(1), hp, ldhp, w_hh, H, T(1), gt, ldg);
      if (lstm) {
        const T* cp = t == 0 ? c0.data<T>() : cells.data<T>() + (t - 1) * H;
        kernels::lstm_step_forward<T>(N, H, gt, ldg, cp, t == 0 ? H : ldc, cells.data<T>() + t * H, ldc, y + t * H,
                                      ldy);
      } else {
        kernels::rnn_step_forward<T>(relu, N, H, gt, ldg, y + t * H, ldy);
      }
    }
    if (lstm)
      for (std::int64_t n = 0; n < N; ++n)
        std::copy_n(cells.data<T>() + n * ldc + (steps - 1) * H, H, y + n * ldy + steps * H);
  });

  std::vector<const Tensor*> inputs{&x, &h0};
  if (lstm) inputs.push_back(&c0);
  const std::size_t w_slot = inputs.size();  // w_ih, w_hh, then b_ih, b_hh
  inputs.push_back(&w.w_ih);
  inputs.push_back(&w.w_hh);
  if (has_bias) {
    inputs.push_back(&w.b_ih);
    inputs.push_back(&w.b_hh);
  }
  bool grad = false;
  for (const Tensor* t : inputs) grad = grad || needs_grad(*t);
  if (grad) {
    if (!gru && !lstm) gates = Tensor();  // the RNN's backward needs only its outputs
    record(packed, name_of(cell), inputs,
           [cell, d, w_slot, has_bias, x = x.detach(), h0 = h0.detach(), c0 = lstm ? c0.detach() : Tensor(),
            w_ih = w.w_ih.detach(), w_hh = w.w_hh.detach(), y_saved = packed.detach(), gates, cells,
            hidden_n](const Tensor& gy, Grads& g) {
             const bool lstm = cell == RecurrentCell::lstm, gru = cell == RecurrentCell::gru,
                        relu = cell == RecurrentCell::rnn_relu;
             const std::int64_t N = d.N, steps = d.steps, F = d.F, H = d.H, GH = d.GH();
             const std::int64_t out_steps = lstm ? steps + 1 : steps;
             const std::int64_t ldg = steps * GH, ldy = out_steps * H, ldc = steps * H;
             dispatch_floating(x.dtype(), name_of(cell), [&]<class T>() {
               // dgx: gradient of the input projection W_ih x + b_ih (per step); dgh: of W_hh h + b_hh.
               // They are the same for RNN and LSTM, where both sums enter the gates unchanged.
               Tensor dgx(Shape{N, steps, GH}, x.dtype());
               Tensor dgh = gru ? Tensor(Shape{N, steps, GH}, x.dtype()) : dgx;
               T* dx_proj = dgx.data<T>();
               T* dh_proj = dgh.data<T>();
               const T* gyp = gy.data<T>();
               const T* y = y_saved.data<T>();
               const T* w_hh_p = w_hh.data<T>();
               Tensor dh_carry = zeros(Shape{N, H}, x.dtype());  // reaching h_{t} from step t + 1
               Tensor dc_carry;                                   // reaching c_{t} from step t + 1
               if (lstm) {
                 dc_carry = Tensor(Shape{N, H}, x.dtype());
                 for (std::int64_t n = 0; n < N; ++n)
                   std::copy_n(gyp + n * ldy + steps * H, H, dc_carry.data<T>() + n * H);
               }
               T* carry = dh_carry.data<T>();
               std::vector<T> dh(N * H);
               std::optional<SerialScope> serial(std::in_place, N * H * GH < kSerialStep);
               for (std::int64_t t = steps - 1; t >= 0; --t) {
                 for (std::int64_t n = 0; n < N; ++n)
                   for (std::int64_t j = 0; j < H; ++j) dh[n * H + j] = gyp[n * ldy + t * H + j] + carry[n * H + j];
                 const T* hp = t == 0 ? h0.data<T>() : y + (t - 1) * H;
                 const std::int64_t ldhp = t == 0 ? H : ldy;
                 if (lstm) {
                   const T* cp = t == 0 ? c0.data<T>() : cells.data<T>() + (t - 1) * H;
                   kernels::lstm_step_backward<T>(N, H, dh.data(), dc_carry.data<T>(), gates.data<T>() + t * GH, ldg,
                                                  cells.data<T>() + t * H, ldc, cp, t == 0 ? H : ldc,
                                                  dx_proj + t * GH, ldg);
                 } else if (gru) {
                   kernels::gru_step_backward<T>(N, H, dh.data(), gates.data<T>() + t * GH, ldg,
                                                 hidden_n.data<T>() + t * H, ldc, hp, ldhp, dx_proj + t * GH, ldg,
                                                 dh_proj + t * GH, ldg, carry);
                 } else {
                   kernels::rnn_step_backward<T>(relu, N, H, dh.data(), y + t * H, ldy, dx_proj + t * GH, ldg);
                 }
                 // dh_{t-1} = dgh_t W_hh (plus the GRU's direct z * dh path, already in carry)
                 kernels::gemm<T>(false, false, N, H, GH, T(1), dh_proj + t * GH, ldg, w_hh_p, H, gru ? T(1) : T(0),
                                  carry, H);
               }
               serial.reset();  // the products over all steps below may use every thread
               if (g.needed(1)) g[1] = dh_carry;
               if (lstm && g.needed(2)) g[2] = dc_carry;
               const std::int64_t rows = N * steps;
               if (g.needed(0)) {  // dx = dgx W_ih
                 g[0] = Tensor(x.shape(), x.dtype());
                 kernels::gemm<T>(false, false, rows, F, GH, T(1), dx_proj, GH, w_ih.data<T>(), F, T(0),
                                  g[0].data<T>(), F);
               }
               if (g.needed(w_slot)) {  // dW_ih = dgx^T x over all steps
                 g[w_slot] = Tensor(w_ih.shape(), x.dtype());
                 kernels::gemm<T>(true, false, GH, F, rows, T(1), dx_proj, GH, x.data<T>(), F, T(0),
                                  g[w_slot].data<T>(), F);
               }
               if (g.needed(w_slot + 1)) {  // dW_hh = dgh^T h_prev, h_prev = (h0, h_1, ..., h_{T-1})
                 Tensor h_prev(Shape{N, steps, H}, x.dtype());
                 T* hpp = h_prev.data<T>();
                 for (std::int64_t n = 0; n < N; ++n) {
                   std::copy_n(h0.data<T>() + n * H, H, hpp + n * ldc);
                   std::copy_n(y + n * ldy, (steps - 1) * H, hpp + n * ldc + H);
                 }
                 g[w_slot + 1] = Tensor(w_hh.shape(), x.dtype());
                 kernels::gemm<T>(true, false, GH, H, rows, T(1), dh_proj, GH, hpp, H, T(0), g[w_slot + 1].data<T>(),
                                  H);
               }
               if (has_bias && g.needed(w_slot + 2)) g[w_slot + 2] = column_sums<T>(dx_proj, rows, GH, x.dtype());
               if (has_bias && g.needed(w_slot + 3)) g[w_slot + 3] = column_sums<T>(dh_proj, rows, GH, x.dtype());
             });
           });
  }

  RecurrentOutputs out;
  out.output = lstm ? slice(packed, 1, 0, steps) : packed;
  out.h_n = reshape(slice(packed, 1, steps - 1, steps), Shape{N, H});
  if (lstm) out.c_n = reshape(slice(packed, 1, steps, steps + 1), Shape{N, H});
  return out;
}

}  // namespace soma
