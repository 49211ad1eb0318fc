// The fused dense forward (fused_dense.h). At batch 1 the product is bound by reading W: B9's
// first layer is 803 KB, its whole MLP 940 KB, more than L1 and about one core's L2, so every
// call streams W from L2 (or beyond). The kernel below keeps that stream dense: each row of W
// is read once, four whole cache lines per step, against registers of x that serve four rows;
// the 16 accumulators of a pass become four rows' sums, and a shuffle tree turns a block's 16
// row sums into one register of 16 outputs, where the bias and the activation are applied
// before a single store. No allocation, no threads.
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

// Up to this many rows of x the AVX-512 kernel below runs; from there the library GEMM. The
// kernel re-reads each block of W (50 KB for 784 columns, more than L1) for every row, so its
// time grows with the rows: on B9's first layer (784 -> 256, CPU time, machine shared) it took
// 0.85-1.0 of oneDNN's time (GEMM, bias and ReLU) at 1 row, twice it at 2 rows.
constexpr std::int64_t kKernelRows = 1;

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
    case DenseActivation::sigmoid: return sigmoid_forward(y, y, n);
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

// Rows of W per block: the block's 16 outputs fill one register. A block is read in four
// passes of four rows (j, j + 4, j + 8, j + 12 for pass j), each row 64 floats (four cache
// lines) per step against four registers of x: four streams of whole lines, which read faster
// from L2 than sixteen rows side by side a line at a time (measured: docs/performance.md).
constexpr int kBlock = 16;
constexpr int kPass = 4;   // rows per pass
constexpr int kChunks = 4;  // registers of each row per step

// The sums across lanes of 16 registers in a tree of shuffles and adds, in two halves:
// quarter_sums(a) takes the registers of rows j, j + 4, j + 8, j + 12 (one pass) and leaves
// each row's sum spread over one 128-bit quarter; lane_sums(t) takes the four passes' results
// and returns lane r = the sum of row r's register.
inline __m512 halves(__m512 v, __m512 w) {  // lanes 0-7: v's halves added, 8-15: w's
  return _mm512_add_ps(_mm512_shuffle_f32x4(v, w, _MM_SHUFFLE(1, 0, 1, 0)),
                       _mm512_shuffle_f32x4(v, w, _MM_SHUFFLE(3, 2, 3, 2)));
}
inline __m512 quarter_sums(const __m512 (&a)[kPass]) {
  const __m512 s0 = halves(a[0], a[1]), s1 = halves(a[2], a[3]);
  return _mm512_add_ps(_mm512_shuffle_f32x4(s0, s1, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(s0, s1, _MM_SHUFFLE(3, 1, 3, 1)));
}
inline __m512 lane_sums(const __m512 (&t)[kPass]) {
  const __m512 u0 = _mm512_add_ps(_mm512_shuffle_ps(t[0], t[1], _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_ps(t[0], t[1], _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 u1 = _mm512_add_ps(_mm512_shuffle_ps(t[2], t[3], _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_ps(t[2], t[3], _MM_SHUFFLE(3, 2, 3, 2)));
  return _mm512_add_ps(_mm512_shuffle_ps(u0, u1, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(u0, u1, _MM_SHUFFLE(3, 1, 3, 1)));
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

// The rows of pass j of the block at row o: o + j, o + j + 4, ...; those past `out` re-read the
// last row (already in L1), and finish16 masks their outputs off.
template <class T>
void pass_rows(const T* W, std::int64_t ld, std::int64_t o, int j, std::int64_t out, const T* (&w)[kPass]) {
  for (int i = 0; i < kPass; ++i) w[i] = W + std::min<std::int64_t>(o + j + kPass * i, out - 1) * ld;
}

// The accumulators of a pass: row i's column chunk c (of kChunks per step) in a[i][c].
struct PassSums {
  __m512 a[kPass][kChunks];
  PassSums() {
#pragma GCC unroll 16
    for (auto& row : a)
      for (auto& v : row) v = _mm512_setzero_ps();
  }
  // out[i] = row i's chunks added: a register whose lanes add up to row i's dot product.
  void add_chunks(__m512 (&out)[kPass]) const {
#pragma GCC unroll 4
    for (int i = 0; i < kPass; ++i) out[i] = _mm512_add_ps(_mm512_add_ps(a[i][0], a[i][1]), _mm512_add_ps(a[i][2], a[i][3]));
  }
};

// sums[i] = a register whose lanes add up to <w[i], x> over in floats; columns past the last
// multiple of 64 in steps of 16, the last one masked.
inline void dot4(const float* const (&w)[kPass], const float* x, std::int64_t in, __m512 (&sums)[kPass]) {
  PassSums s;
  auto& acc = s.a;
  std::int64_t k = 0;
  for (; k + 16 * kChunks <= in; k += 16 * kChunks)
#pragma GCC unroll 4
    for (int c = 0; c < kChunks; ++c) {  // one register of x live at a time: no accumulator spills
      const __m512 xv = _mm512_loadu_ps(x + k + 16 * c);
#pragma GCC unroll 4
      for (int i = 0; i < kPass; ++i) acc[i][c] = _mm512_fmadd_ps(_mm512_loadu_ps(w[i] + k + 16 * c), xv, acc[i][c]);
    }
  for (; k < in; k += 16) {
    const __mmask16 m = in - k >= 16 ? __mmask16(0xffff) : __mmask16((1u << (in - k)) - 1);
    const __m512 xv = _mm512_maskz_loadu_ps(m, x + k);
#pragma GCC unroll 4
    for (int i = 0; i < kPass; ++i) acc[i][0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w[i] + k), xv, acc[i][0]);
  }
  s.add_chunks(sums);
}

// y [rows, out] = act(x W^T + bias) for W [out, ld], a block of 16 rows of W at a time; for
// each block every row of x in turn, so that with a few rows the block is read from L2 once,
// then from L1. dot(w, r, sums) gives dot4's sums for the pass's rows w against row r of x.
// Always inlined, so that the bfloat16 kernel's Dot, compiled for AVX512_BF16, is inlined too.
template <class T, class Dot>
[[gnu::always_inline]] inline void fused_blocks(const T* W, std::int64_t ld, std::int64_t rows, std::int64_t out,
                                                const Dot& dot, const float* bias, DenseActivation act, float slope,
                                                float* y) {
  for (std::int64_t o = 0; o < out; o += kBlock)
    for (std::int64_t r = 0; r < rows; ++r) {
      __m512 t[kPass];
      for (int j = 0; j < kPass; ++j) {
        const T* w[kPass];
        __m512 sums[kPass];
        pass_rows(W, ld, o, j, out, w);
        dot(w, r, sums);
        t[j] = quarter_sums(sums);
      }
      finish16(lane_sums(t), bias ? bias + o : nullptr, std::min<std::int64_t>(kBlock, out - o), act, slope,
               y + r * out + o);
    }
}

struct DotF32 {
  const float* x;
  std::int64_t in;
  void operator()(const float* const (&w)[kPass], std::int64_t r, __m512 (&sums)[kPass]) const {
    dot4(w, x + r * in, in, sums);
  }
};

void fused_dense_avx512(const float* x, std::int64_t rows, std::int64_t in, const float* W, const float* bias,
                        std::int64_t out, DenseActivation act, float slope, float* y) {
  fused_blocks(W, in, rows, out, DotF32{x, in}, bias, act, slope, y);
}

#pragma GCC diagnostic pop
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bf16")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// dot4 for bfloat16 rows and x (rows padded with zeros to a multiple of 32: no tail masks):
// vdpbf16ps adds the products of 32 pairs into 16 float lanes.
inline void dot4_bf16(const std::uint16_t* const (&w)[kPass], const std::uint16_t* x, std::int64_t ld,
                      __m512 (&sums)[kPass]) {
  PassSums s;
  auto& acc = s.a;
  std::int64_t k = 0;
  for (; k + 32 * kChunks <= ld; k += 32 * kChunks)
#pragma GCC unroll 4
    for (int c = 0; c < kChunks; ++c) {
      const __m512bh xv = __m512bh(_mm512_load_si512(x + k + 32 * c));
#pragma GCC unroll 4
      for (int i = 0; i < kPass; ++i)
        acc[i][c] = _mm512_dpbf16_ps(acc[i][c], __m512bh(_mm512_load_si512(w[i] + k + 32 * c)), xv);
    }
  for (; k < ld; k += 32) {
    const __m512bh xv = __m512bh(_mm512_load_si512(x + k));
#pragma GCC unroll 4
    for (int i = 0; i < kPass; ++i) acc[i][0] = _mm512_dpbf16_ps(acc[i][0], __m512bh(_mm512_load_si512(w[i] + k)), xv);
  }
  s.add_chunks(sums);
}

struct DotBF16 {
  const std::uint16_t* x;
  std::int64_t ld;
  void operator()(const std::uint16_t* const (&w)[kPass], std::int64_t r, __m512 (&sums)[kPass]) const {
    dot4_bf16(w, x + r * ld, ld, sums);
  }
};

// fused_dense_avx512 for bfloat16: x's rows rounded into `scratch` first (vcvtne2ps2bf16, 32
// at a time, zeros past `in`).
void fused_dense_bf16_avx512(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* Wb,
                             const float* bias, std::int64_t out, DenseActivation act, float slope,
                             std::uint16_t* scratch, float* y) {
  const std::int64_t ld = bf16_row_length(in);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t k = 0; k < ld; k += 32) {
      const std::int64_t lo = std::clamp<std::int64_t>(in - k, 0, 16), hi = std::clamp<std::int64_t>(in - k - 16, 0, 16);
      const float* xr = x + r * in + k;
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(__mmask16((1u << hi) - 1), xr + 16),
                                              _mm512_maskz_loadu_ps(__mmask16((1u << lo) - 1), xr));
      _mm512_store_si512(scratch + r * ld + k, __m512i(v));
    }
  fused_blocks(Wb, ld, rows, out, DotBF16{scratch, ld}, bias, act, slope, y);
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
