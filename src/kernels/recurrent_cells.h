// The elementwise half of one time step of the recurrent cells, forward and backward (the
// matrix products are GEMM calls in ops/recurrent.cpp). Each works on N rows; every pointer
// comes with its row stride in elements (ld), so the step's rows can live inside [N, T, ...]
// buffers. Gate blocks inside a row are in PyTorch's order: LSTM i, f, g, o; GRU r, z, n.
// float32 uses its own exp (fast_math.h): libm's expf/tanhf calls were half of an LSTM step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/fast_math.h"

namespace soma::kernels {

template <class T>
inline T exp_of(T v) {
  if constexpr (sizeof(T) == 4) return exp_fast(v);
  else return std::exp(v);
}

template <class T>
inline T sigmoid_of(T v) {
  return T(1) / (T(1) + exp_of(-v));
}

/// tanh(v) = 1 - 2 / (1 + e^{2v}): float32 through exp_fast (absolute error ~1e-7), float64 libm.
template <class T>
inline T tanh_of(T v) {
  if constexpr (sizeof(T) == 4) return T(1) - T(2) / (T(1) + exp_fast(2 * v));
  else return std::tanh(v);
}

/// h = act(a): a and h [N, H]; a is the full pre-activation.
template <class T>
void rnn_step_forward(bool relu, std::int64_t N, std::int64_t H, const T* a, std::int64_t lda, T* h,
                      std::int64_t ldh) {
  for (std::int64_t n = 0; n < N; ++n) {
    const T* an = a + n * lda;
    T* hn = h + n * ldh;
    if (relu) {
      for (std::int64_t j = 0; j < H; ++j) hn[j] = an[j] > T(0) ? an[j] : T(0);
    } else {
#pragma omp simd
      for (std::int64_t j = 0; j < H; ++j) hn[j] = tanh_of(an[j]);
    }
  }
}

/// da = dh * act'(a), written from the output h: tanh' = 1 - h^2, relu' = (h > 0).
template <class T>
void rnn_step_backward(bool relu, std::int64_t N, std::int64_t H, const T* dh, const T* h, std::int64_t ldh, T* da,
                       std::int64_t ldda) {
  for (std::int64_t n = 0; n < N; ++n) {
    const T* dhn = dh + n * H;
    const T* hn = h + n * ldh;
    T* dan = da + n * ldda;
    if (relu)
      for (std::int64_t j = 0; j < H; ++j) dan[j] = hn[j] > T(0) ? dhn[j] : T(0);
    else
      for (std::int64_t j = 0; j < H; ++j) dan[j] = dhn[j] * (T(1) - hn[j] * hn[j]);
  }
}

/// gates [N, 4H]: pre-activations in, activations (i, f, g, o) out (saved for backward);
/// c = f * c_prev + i * g; h = o * tanh(c).
template <class T>
void lstm_step_forward(std::int64_t N, std::int64_t H, T* gates, std::int64_t ldg, const T* c_prev,
                       std::int64_t ldcp, T* c, std::int64_t ldc, T* h, std::int64_t ldh) {
  for (std::int64_t n = 0; n < N; ++n) {
    T* i = gates + n * ldg;
    T *f = i + H, *g = i + 2 * H, *o = i + 3 * H;
    const T* cp = c_prev + n * ldcp;
    T* cn = c + n * ldc;
    T* hn = h + n * ldh;
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      i[j] = sigmoid_of(i[j]);
      f[j] = sigmoid_of(f[j]);
      g[j] = tanh_of(g[j]);
      o[j] = sigmoid_of(o[j]);
      cn[j] = f[j] * cp[j] + i[j] * g[j];
      hn[j] = o[j] * tanh_of(cn[j]);
    }
  }
}

/// dh [N, H]: the gradient reaching h_t. dc [N, H]: in, the gradient reaching c_t from step
/// t + 1; out, the gradient reaching c_{t-1}. Writes the pre-activation gradients dgates [N, 4H].
template <class T>
void lstm_step_backward(std::int64_t N, std::int64_t H, const T* dh, T* dc, const T* gates, std::int64_t ldg,
                        const T* c, std::int64_t ldc, const T* c_prev, std::int64_t ldcp, T* dgates,
                        std::int64_t lddg) {
  for (std::int64_t n = 0; n < N; ++n) {
    const T* i = gates + n * ldg;
    const T *f = i + H, *g = i + 2 * H, *o = i + 3 * H;
    const T* dhn = dh + n * H;
    T* dcn = dc + n * H;
    const T* cn = c + n * ldc;
    const T* cp = c_prev + n * ldcp;
    T* di = dgates + n * lddg;
    T *df = di + H, *dg = di + 2 * H, *dout = di + 3 * H;
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      const T tc = tanh_of(cn[j]);
      const T dct = dcn[j] + dhn[j] * o[j] * (T(1) - tc * tc);  // everything reaching c_t
      dout[j] = dhn[j] * tc * o[j] * (T(1) - o[j]);
      di[j] = dct * g[j] * i[j] * (T(1) - i[j]);
      dg[j] = dct * i[j] * (T(1) - g[j] * g[j]);
      df[j] = dct * cp[j] * f[j] * (T(1) - f[j]);
      dcn[j] = dct * f[j];
    }
  }
}

/// gx [N, 3H]: W_ih x + b_ih in, activations (r, z, n) out; gh [N, 3H]: W_hh h_prev + b_hh.
/// Saves hn = W_hn h_prev + b_hn (needed for dr) and writes h = (1 - z) n + z h_prev.
template <class T>
void gru_step_forward(std::int64_t N, std::int64_t H, T* gx, std::int64_t ldgx, const T* gh, const T* h_prev,
                      std::int64_t ldhp, T* hn, std::int64_t ldhn, T* h, std::int64_t ldh) {
  for (std::int64_t n = 0; n < N; ++n) {
    T* r = gx + n * ldgx;
    T *z = r + H, *nn = r + 2 * H;
    const T* ghr = gh + n * 3 * H;
    const T *ghz = ghr + H, *ghn = ghr + 2 * H;
    const T* hp = h_prev + n * ldhp;
    T* hnn = hn + n * ldhn;
    T* hv = h + n * ldh;
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      r[j] = sigmoid_of(r[j] + ghr[j]);
      z[j] = sigmoid_of(z[j] + ghz[j]);
      nn[j] = tanh_of(nn[j] + r[j] * ghn[j]);
      hnn[j] = ghn[j];
      hv[j] = (T(1) - z[j]) * nn[j] + z[j] * hp[j];
    }
  }
}

/// dh [N, H] reaching h_t. Writes dgx [N, 3H] (gradient of W_ih x + b_ih), dgh [N, 3H]
/// (gradient of W_hh h_prev + b_hh) and dh_direct [N, H] = dh * z (the path that skips W_hh).
template <class T>
void gru_step_backward(std::int64_t N, std::int64_t H, const T* dh, const T* acts, std::int64_t lda, const T* hn,
                       std::int64_t ldhn, const T* h_prev, std::int64_t ldhp, T* dgx, std::int64_t lddgx, T* dgh,
                       std::int64_t lddgh, T* dh_direct) {
  for (std::int64_t n = 0; n < N; ++n) {
    const T* r = acts + n * lda;
    const T *z = r + H, *nn = r + 2 * H;
    const T* hnn = hn + n * ldhn;
    const T* hp = h_prev + n * ldhp;
    const T* dhn = dh + n * H;
    T* dxr = dgx + n * lddgx;
    T *dxz = dxr + H, *dxn = dxr + 2 * H;
    T* dhr = dgh + n * lddgh;
    T *dhz = dhr + H, *dhnn = dhr + 2 * H;
    T* dd = dh_direct + n * H;
#pragma omp simd
    for (std::int64_t j = 0; j < H; ++j) {
      const T dn = dhn[j] * (T(1) - z[j]) * (T(1) - nn[j] * nn[j]);  // at n's pre-activation
      const T dz = dhn[j] * (hp[j] - nn[j]) * z[j] * (T(1) - z[j]);
      const T dr = dn * hnn[j] * r[j] * (T(1) - r[j]);
      dxr[j] = dr;
      dhr[j] = dr;
      dxz[j] = dz;
      dhz[j] = dz;
      dxn[j] = dn;
      dhnn[j] = dn * r[j];
      dd[j] = dhn[j] * z[j];
    }
  }
}

}  // namespace soma::kernels
