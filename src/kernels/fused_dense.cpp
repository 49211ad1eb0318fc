// The fused dense forward (fused_dense.h). At batch 1 the product is bound by reading W: B9's
// first layer is 803 KB, its whole MLP 940 KB, which fits one core's 1 MB L2 but not its L1,
// so every call streams W from L2 once. The matrix-vector kernel below keeps that stream
// dense: sixteen rows of W are read side by side, sixteen floats at a time, against one
// register of x (x is loaded once per sixteen rows, not once per row), into sixteen
// accumulators that one shuffle tree reduces to the sixteen outputs in one register, where
// the bias and the activation are applied before a single store. No allocation, no threads.
#include "kernels/fused_dense.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "kernels/activation.h"
#include "kernels/bias.h"
#include "kernels/fast_math.h"
#include "kernels/gemm.h"
#include "kernels/multiversion.h"

// GCC only, as binary_gemm.cpp: clang (the fuzzing build) ignores "#pragma GCC target".
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SOMA_FUSED_DENSE_AVX512 1
#include <immintrin.h>
#endif

namespace soma::kernels {
namespace {

// sigmoid over n floats in place; float32 through exp_fast like the RBM's and the recurrent
// cells' (relative error ~1e-7 against 1 / (1 + e^-x) in float64).
SOMA_MULTIVERSION void sigmoid_in_place(float* y, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + exp_fast(-y[i]));
}

// Up to this many rows of x the AVX-512 kernel below runs (each block of W read from L2 once
// for all of them); from there the library GEMM.
constexpr std::int64_t kKernelRows = 4;

// float32 -> bfloat16, rounding to nearest even (vcvtne2ps2bf16's rounding); NaN stays a
// (quiet) NaN, where the carry of the rounding could make it an infinity.
std::uint16_t to_bf16(float f) {
  const auto u = std::bit_cast<std::uint32_t>(f);
  if (std::isnan(f)) return std::uint16_t((u >> 16) | 0x40);
  return std::uint16_t((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}
float from_bf16(std::uint16_t h) { return std::bit_cast<float>(std::uint32_t(h) << 16); }

// y [n] = act(y) in place, through the activation loops of activation.h.
void activate_in_place(float* y, std::int64_t n, DenseActivation act, float slope) {
  switch (act) {
    case DenseActivation::identity: return;
    case DenseActivation::relu: return relu_forward(y, y, n);
    case DenseActivation::leaky_relu: return leaky_relu_forward(y, y, slope, n);
    case DenseActivation::sigmoid: return sigmoid_in_place(y, n);
    case DenseActivation::tanh: return tanh_forward(y, y, n);
  }
}

// Any batch, any CPU: the bias rows as the GEMM's starting value (beta = 1), then the
// activation over the output while it is still in cache.
void fused_dense_gemm(const float* x, std::int64_t rows, std::int64_t in, const float* W, const float* bias,
                      std::int64_t out, DenseActivation act, float slope, float* y) {
  if (bias) fill_rows(bias, y, rows, out);
  gemm<float>(false, true, rows, out, in, 1.0f, x, in, W, in, bias ? 1.0f : 0.0f, y, out);
  activate_in_place(y, rows * out, act, slope);
}

#ifdef SOMA_FUSED_DENSE_AVX512
#pragma GCC push_options
#pragma GCC target("avx512f")
// GCC 12's shuffle intrinsics start from a self-initialized "undefined" register (binary_gemm.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

constexpr int kRows = 16;  // rows of W per pass: 16 accumulators + x, of AVX-512's 32 registers

// Sums each of the 16 registers a[r] across its lanes: lane r of the result = sum of a[r].
// Four rounds each halve the lanes per row and double the rows per register (512-bit halves,
// 128-bit quarters, then pairs and single lanes within 128 bits). The rounds leave row r in
// lane 4 (r % 4) + r / 4, so the inputs are taken in that order (kOrder is its own inverse).
inline __m512 sum_lanes16(const __m512* a) {
  constexpr int kOrder[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
  __m512 s[8], t[4], u[2];
  for (int i = 0; i < 8; ++i) {
    const __m512 v = a[kOrder[2 * i]], w = a[kOrder[2 * i + 1]];
    s[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v, w, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(v, w, _MM_SHUFFLE(3, 2, 3, 2)));
  }
  for (int i = 0; i < 4; ++i)
    t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  for (int i = 0; i < 2; ++i)
    u[i] = _mm512_add_ps(_mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  return _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// Adds the bias to the 16 outputs v (the first n of them valid), applies the activation and
// stores them at y. relu and leaky_relu act on the register; sigmoid and tanh run their
// float formulas (fast_math.h, as activate_in_place) over the 16 stored values, still in L1.
inline void finish16(__m512 v, const float* bias, std::int64_t n, DenseActivation act, float slope, float* y) {
  const __mmask16 valid = __mmask16((1u << n) - 1);
  const __m512 zero = _mm512_setzero_ps();
  if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(valid, bias));
  if (act == DenseActivation::relu)  // max(0, v) is v when the compare fails: NaN stays NaN
    v = _mm512_max_ps(zero, v);
  else if (act == DenseActivation::leaky_relu)  // v > 0 ? v : slope v (NaN: slope NaN = NaN)
    v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), _mm512_mul_ps(v, _mm512_set1_ps(slope)), v);
  _mm512_mask_storeu_ps(y, valid, v);
  if (act == DenseActivation::tanh) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) y[i] = tanh_fast(y[i]);
  } else if (act == DenseActivation::sigmoid) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + exp_fast(-y[i]));
  }
}

// The rows o.. o + 15 of W (rows past `out` re-read the last one, already in L1; finish16
// masks them off at the store).
template <class T>
void block_rows(const T* W, std::int64_t ld, std::int64_t o, std::int64_t out, const T* (&w)[kRows]) {
  for (int r = 0; r < kRows; ++r) w[r] = W + std::min<std::int64_t>(o + r, out - 1) * ld;
}

// y [rows, out] = act(x W^T + bias), sixteen rows of W at a time; for each block every row of
// x in turn, so that with a few rows the block is read from L2 once and then from L1. The
// columns past the last multiple of 16 are masked loads.
void fused_dense_avx512(const float* x, std::int64_t rows, std::int64_t in, const float* W, const float* bias,
                        std::int64_t out, DenseActivation act, float slope, float* y) {
  const std::int64_t full = in / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (in - full)) - 1);
  for (std::int64_t o = 0; o < out; o += kRows) {
    const float* w[kRows];
    block_rows(W, in, o, out, w);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * in;
      __m512 acc[kRows];
      for (auto& a : acc) a = _mm512_setzero_ps();
      std::int64_t k = 0;
      for (; k < full; k += 16) {
        const __m512 xv = _mm512_loadu_ps(xr + k);
        for (int i = 0; i < kRows; ++i) acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(w[i] + k), xv, acc[i]);
      }
      if (tail) {
        const __m512 xv = _mm512_maskz_loadu_ps(tail, xr + k);
        for (int i = 0; i < kRows; ++i) acc[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w[i] + k), xv, acc[i]);
      }
      finish16(sum_lanes16(acc), bias ? bias + o : nullptr, std::min<std::int64_t>(kRows, out - o), act, slope,
               y + r * out + o);
    }
  }
}

// The same for bfloat16: x's rows rounded into `scratch` first (vcvtne2ps2bf16, 32 at a time,
// zeros past `in`), then vdpbf16ps, which adds the products of 32 pairs into 16 float lanes.
__attribute__((target("avx512f,avx512bf16"))) void fused_dense_bf16_avx512(
    const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* Wb, const float* bias, std::int64_t out,
    DenseActivation act, float slope, std::uint16_t* scratch, float* y) {
  const std::int64_t ld = bf16_row_length(in);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t k = 0; k < ld; k += 32) {
      const std::int64_t lo = std::clamp<std::int64_t>(in - k, 0, 16), hi = std::clamp<std::int64_t>(in - k - 16, 0, 16);
      const float* xr = x + r * in + k;
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(__mmask16((1u << hi) - 1), xr + 16),
                                              _mm512_maskz_loadu_ps(__mmask16((1u << lo) - 1), xr));
      _mm512_store_si512(scratch + r * ld + k, __m512i(v));
    }
  for (std::int64_t o = 0; o < out; o += kRows) {
    const std::uint16_t* w[kRows];
    block_rows(Wb, ld, o, out, w);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::uint16_t* xr = scratch + r * ld;
      __m512 acc[kRows];
      for (auto& a : acc) a = _mm512_setzero_ps();
      for (std::int64_t k = 0; k < ld; k += 32) {
        const __m512bh xv = __m512bh(_mm512_load_si512(xr + k));
        for (int i = 0; i < kRows; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], __m512bh(_mm512_load_si512(w[i] + k)), xv);
      }
      finish16(sum_lanes16(acc), bias ? bias + o : nullptr, std::min<std::int64_t>(kRows, out - o), act, slope,
               y + r * out + o);
    }
  }
}

#pragma GCC diagnostic pop
#pragma GCC pop_options

bool has_avx512f() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f"));
  return yes;
}
bool has_avx512bf16() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx512bf16"));
  return yes;
}
#endif

}  // namespace

void fused_dense(const float* x, std::int64_t rows, std::int64_t in, const float* W, const float* bias,
                 std::int64_t out, DenseActivation act, float slope, float* y) {
#ifdef SOMA_FUSED_DENSE_AVX512
  if (rows <= kKernelRows && has_avx512f()) return fused_dense_avx512(x, rows, in, W, bias, out, act, slope, y);
#endif
  fused_dense_gemm(x, rows, in, W, bias, out, act, slope, y);
}

void to_bf16_rows(const float* W, std::int64_t out, std::int64_t in, std::uint16_t* Wb) {
  const std::int64_t ld = bf16_row_length(in);
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t k = 0; k < ld; ++k) Wb[o * ld + k] = k < in ? to_bf16(W[o * in + k]) : 0;
}

void fused_dense_bf16(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* Wb,
                      const float* bias, std::int64_t out, DenseActivation act, float slope,
                      std::uint16_t* scratch, float* y) {
#ifdef SOMA_FUSED_DENSE_AVX512
  if (has_avx512bf16()) return fused_dense_bf16_avx512(x, rows, in, Wb, bias, out, act, slope, scratch, y);
#endif
  // The same roundings in a plain loop; only the order of the float32 sums differs.
  const std::int64_t ld = bf16_row_length(in);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t k = 0; k < in; ++k) scratch[k] = to_bf16(x[r * in + k]);
    for (std::int64_t o = 0; o < out; ++o) {
      float acc = 0;
      for (std::int64_t k = 0; k < in; ++k) acc += from_bf16(Wb[o * ld + k]) * from_bf16(scratch[k]);
      y[r * out + o] = bias ? acc + bias[o] : acc;
    }
  }
  activate_in_place(y, rows * out, act, slope);
}

}  // namespace soma::kernels
