// Products with a 0/1 left operand (binary_gemm.h): plain loops everywhere, AVX-512 versions
// chosen at run time. The build targets baseline x86-64 (multiversion.h), so the AVX-512 code
// sits under a target pragma and runs only where the CPU reports AVX-512F.
#include "kernels/binary_gemm.h"

#include "kernels/parallel.h"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

// GCC only: clang (the fuzzing build) ignores "#pragma GCC target" and takes the portable loop.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SOMA_BINARY_GEMM_AVX512 1
#include <immintrin.h>
#endif

namespace soma::kernels {
namespace {

// ---- Plain loops: the reference semantics, and the code that runs without AVX-512. ----

template <class T>
bool binary_bits_loop(const T* x, std::int64_t rows, std::int64_t cols, std::int64_t ldx, std::uint64_t* bits) {
  const std::int64_t words = bit_words(cols);
  bool binary = true;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::uint64_t* row_bits = bits + r * words;
    std::fill(row_bits, row_bits + words, 0);
    for (std::int64_t c = 0; c < cols; ++c) {
      const T v = x[r * ldx + c];
      binary &= v == T(0) || v == T(1);
      row_bits[c >> 6] |= std::uint64_t(v == T(1)) << (c & 63);
    }
  }
  return binary;
}

template <class T>
void binary_gemm_loop(std::int64_t M, std::int64_t N, std::int64_t K, const std::uint64_t* a_bits, const T* B,
                      std::int64_t ldb, const T* bias, T* C, std::int64_t ldc) {
  const std::int64_t words = bit_words(K);
  for (std::int64_t r = 0; r < M; ++r) {
    T* c = C + r * ldc;
    for (std::int64_t j = 0; j < N; ++j) c[j] = bias ? bias[j] : T(0);
    for (std::int64_t w = 0; w < words; ++w)
      for (std::uint64_t word = a_bits[r * words + w]; word; word &= word - 1) {
        const T* b = B + (w * 64 + __builtin_ctzll(word)) * ldb;
        for (std::int64_t j = 0; j < N; ++j) c[j] += b[j];
      }
  }
}

// Tiles of 16 x 16 keep both sides' cache lines in use while they are touched.
template <class T>
void transpose_loop(const T* in, std::int64_t rows, std::int64_t cols, std::int64_t ld_in, T* out, std::int64_t ld_out) {
  constexpr std::int64_t tile = 16;
  for (std::int64_t r0 = 0; r0 < rows; r0 += tile)
    for (std::int64_t c0 = 0; c0 < cols; c0 += tile)
      for (std::int64_t r = r0; r < std::min(rows, r0 + tile); ++r)
        for (std::int64_t c = c0; c < std::min(cols, c0 + tile); ++c) out[c * ld_out + r] = in[r * ld_in + c];
}

// The 64 x 64 bit block a (row i = a[i], column j = bit j) transposed in place: six rounds
// swap the off-diagonal halves of ever smaller blocks (Warren, Hacker's Delight, 7-3).
void transpose_64x64(std::uint64_t* a) {
  std::uint64_t mask = 0x00000000FFFFFFFFull;
  for (int j = 32; j != 0; j >>= 1, mask ^= mask << j)
    for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const std::uint64_t t = ((a[k] >> j) ^ a[k | j]) & mask;
      a[k | j] ^= t;
      a[k] ^= t << j;
    }
}

#ifdef SOMA_BINARY_GEMM_AVX512
#pragma GCC push_options
#pragma GCC target("avx512f")
// GCC 12's unpack and shuffle intrinsics start from a self-initialized "undefined" register
// and warn about it wherever they are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"

// One AVX-512 register of T, with the few operations the kernels need.
template <class T>
struct Zmm;
template <>
struct Zmm<float> {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int lanes = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, V v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static Mask equal(V a, float b, Mask m) { return _mm512_mask_cmpeq_ps_mask(m, a, _mm512_set1_ps(b)); }
};
template <>
struct Zmm<double> {
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int lanes = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static V load(const double* p, Mask m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static void store(double* p, V v, Mask m) { _mm512_mask_storeu_pd(p, m, v); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static Mask equal(V a, double b, Mask m) { return _mm512_mask_cmpeq_pd_mask(m, a, _mm512_set1_pd(b)); }
};

// f.operator()<0>(), ..., f.operator()<R - 1>(): an unrolled loop whose index is a constant,
// so that an array of R registers stays in registers (GCC keeps a runtime-indexed one on the stack).
template <int R, class F>
inline void unrolled(F&& f) {
  [&]<int... J>(std::integer_sequence<int, J...>) { (f.template operator()<J>(), ...); }(std::make_integer_sequence<int, R>{});
}

template <class T>
bool binary_bits_avx512(const T* x, std::int64_t rows, std::int64_t cols, std::int64_t ldx, std::uint64_t* bits) {
  using Z = Zmm<T>;
  const std::int64_t words = bit_words(cols);
  std::uint64_t other = 0;  // lanes holding neither 0 nor 1
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t w = 0; w < words; ++w) {
      std::uint64_t word = 0;
      for (int lane0 = 0; lane0 < 64 && w * 64 + lane0 < cols; lane0 += Z::lanes) {
        const std::int64_t c = w * 64 + lane0;
        const typename Z::Mask valid =
            cols - c >= Z::lanes ? typename Z::Mask(~0u) : typename Z::Mask((1u << (cols - c)) - 1);
        const typename Z::V v = Z::load(x + r * ldx + c, valid);
        const typename Z::Mask one = Z::equal(v, T(1), valid);
        other |= std::uint64_t(valid & ~(one | Z::equal(v, T(0), valid)));
        word |= std::uint64_t(one) << lane0;
      }
      bits[r * words + w] = word;
    }
  return other == 0;
}

// Rows of B summed into C for one block of columns (R registers wide, the last one `tail`
// lanes of a Mask) and one chunk of kc <= 64 rows of B starting at row k0, which lie in one
// word of each row's bits. B and C point at the block's first column, B at row k0. A row of C
// is read and written only if the chunk adds to it, or if the chunk is the first (k0 = 0), which
// starts from the bias (null: zeros) instead of C.
template <class T, int R>
void binary_gemm_block(std::int64_t M, const std::uint64_t* a_bits, std::int64_t words, std::int64_t k0, int kc,
                       const T* B, std::int64_t ldb, const T* bias, T* C, std::int64_t ldc,
                       typename Zmm<T>::Mask tail) {
  using Z = Zmm<T>;
  const std::uint64_t chunk = kc == 64 ? ~std::uint64_t(0) : (std::uint64_t(1) << kc) - 1;
  for (std::int64_t r = 0; r < M; ++r) {
    std::uint64_t word = kc > 0 ? (a_bits[r * words + (k0 >> 6)] >> (k0 & 63)) & chunk : 0;  // K = 0: no bits
    if (!word && k0 > 0) continue;
    T* c = C + r * ldc;
    const T* start = k0 > 0 ? c : bias;
    typename Z::V acc[R];
    unrolled<R>([&]<int j>() {
      if (!start) acc[j] = Z::zero();
      else acc[j] = j == R - 1 ? Z::load(start + j * Z::lanes, tail) : Z::load(start + j * Z::lanes);
    });
    for (; word; word &= word - 1) {
      const T* b = B + std::int64_t(__builtin_ctzll(word)) * ldb;
      unrolled<R>([&]<int j>() {
        acc[j] = Z::add(acc[j], j == R - 1 ? Z::load(b + j * Z::lanes, tail) : Z::load(b + j * Z::lanes));
      });
    }
    unrolled<R>([&]<int j>() {
      if (j == R - 1) Z::store(c + j * Z::lanes, acc[j], tail);
      else Z::store(c + j * Z::lanes, acc[j]);
    });
  }
}

// Up to 16 accumulators (half of the 32 registers), and chunks of 32 rows of B: 32 rows of 16
// registers are 32 KiB, one L1 cache, reused by every row of C. Without the chunks the rows of
// B came from L2 and the product ran 1.6x slower (docs/generative.md).
constexpr int kMaxRegisters = 16;
constexpr int kChunkRows = 32;

template <class T, int... R>
constexpr auto block_kernels(std::integer_sequence<int, R...>) {
  return std::array{&binary_gemm_block<T, R + 1>...};
}

template <class T>
void binary_gemm_avx512(std::int64_t M, std::int64_t N, std::int64_t K, const std::uint64_t* a_bits, const T* B,
                        std::int64_t ldb, const T* bias, T* C, std::int64_t ldc) {
  using Z = Zmm<T>;
  static constexpr auto kernels = block_kernels<T>(std::make_integer_sequence<int, kMaxRegisters>{});
  const std::int64_t registers = (N + Z::lanes - 1) / Z::lanes, blocks = (registers + kMaxRegisters - 1) / kMaxRegisters;
  const std::int64_t words = bit_words(K);
  std::int64_t col = 0;
  for (std::int64_t block = 0; block < blocks; ++block) {  // blocks of equal width, within one register
    const int R = int(registers / blocks + (block < registers % blocks));
    const std::int64_t last_lanes = std::min<std::int64_t>(N - col - (R - 1) * Z::lanes, Z::lanes);
    const auto tail = typename Z::Mask(last_lanes == Z::lanes ? ~0u : (1u << last_lanes) - 1);
    for (std::int64_t k0 = 0; k0 == 0 || k0 < K; k0 += kChunkRows)  // K = 0 still writes the bias
      kernels[R - 1](M, a_bits, words, k0, int(std::min<std::int64_t>(kChunkRows, K - k0)), B + k0 * ldb + col, ldb,
                     bias ? bias + col : nullptr, C + col, ldc, tail);
    col += R * Z::lanes;
  }
}

// 16 x 16 floats transposed in registers: pairs of rows interleaved, then pairs of pairs,
// then 128-bit lanes regrouped twice.
void transpose_16x16(const float* in, std::int64_t ld_in, float* out, std::int64_t ld_out) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(in + i * ld_in);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int g = 0; g < 16; g += 4) {  // r[g + c], lane l: rows g..g+3 of column 4l + c
    const __m512d t0 = _mm512_castps_pd(t[g]), t1 = _mm512_castps_pd(t[g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[g + 2]), t3 = _mm512_castps_pd(t[g + 3]);
    r[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 even_lo = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), odd_lo = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
    const __m512 even_hi = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 odd_hi = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    _mm512_storeu_ps(out + (0 + c) * ld_out, _mm512_shuffle_f32x4(even_lo, even_hi, 0x88));
    _mm512_storeu_ps(out + (4 + c) * ld_out, _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88));
    _mm512_storeu_ps(out + (8 + c) * ld_out, _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD));
    _mm512_storeu_ps(out + (12 + c) * ld_out, _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD));
  }
}

void transpose_avx512(const float* in, std::int64_t rows, std::int64_t cols, std::int64_t ld_in, float* out,
                      std::int64_t ld_out) {
  const std::int64_t full_rows = rows / 16 * 16, full_cols = cols / 16 * 16;
  for (std::int64_t r = 0; r < full_rows; r += 16)
    for (std::int64_t c = 0; c < full_cols; c += 16) transpose_16x16(in + r * ld_in + c, ld_in, out + c * ld_out + r, ld_out);
  // The ragged edges: the last columns of the full rows, then the last rows.
  transpose_loop(in + full_cols, full_rows, cols - full_cols, ld_in, out + full_cols * ld_out, ld_out);
  transpose_loop(in + full_rows * ld_in, rows - full_rows, cols, ld_in, out + full_rows, ld_out);
}

#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

}  // namespace

bool binary_gemm_fast() {
#ifdef SOMA_BINARY_GEMM_AVX512
  static const bool avx512 = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f"));
  return avx512;
#else
  return false;
#endif
}

template <class T>
bool binary_bits(const T* x, std::int64_t rows, std::int64_t cols, std::int64_t ldx, std::uint64_t* bits) {
#ifdef SOMA_BINARY_GEMM_AVX512
  if (binary_gemm_fast()) return binary_bits_avx512(x, rows, cols, ldx, bits);
#endif
  return binary_bits_loop(x, rows, cols, ldx, bits);
}

void transpose_bits(const std::uint64_t* in, std::int64_t rows, std::int64_t cols, std::uint64_t* out) {
  const std::int64_t in_words = bit_words(cols), out_words = bit_words(rows);
  std::uint64_t block[64];
  for (std::int64_t rw = 0; rw < out_words; ++rw)
    for (std::int64_t cw = 0; cw < in_words; ++cw) {
      for (std::int64_t i = 0; i < 64; ++i) block[i] = rw * 64 + i < rows ? in[(rw * 64 + i) * in_words + cw] : 0;
      transpose_64x64(block);
      for (std::int64_t j = 0; j < 64 && cw * 64 + j < cols; ++j) out[(cw * 64 + j) * out_words + rw] = block[j];
    }
}

template <class T>
void binary_gemm(std::int64_t M, std::int64_t N, std::int64_t K, const std::uint64_t* a_bits, const T* B,
                 std::int64_t ldb, const T* bias, T* C, std::int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  // Rows of C are independent: threads take ranges of them once a product is worth it (as
  // kernels::gemm, from about a million multiply-adds).
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t(1) << 20) / std::max<std::int64_t>(1, N * K));
  parallel_for(M, grain, [&](std::int64_t begin, std::int64_t end) {
    const std::uint64_t* bits = a_bits + begin * bit_words(K);
#ifdef SOMA_BINARY_GEMM_AVX512
    if (binary_gemm_fast()) return binary_gemm_avx512(end - begin, N, K, bits, B, ldb, bias, C + begin * ldc, ldc);
#endif
    binary_gemm_loop(end - begin, N, K, bits, B, ldb, bias, C + begin * ldc, ldc);
  });
}

template <class T>
void transpose(const T* in, std::int64_t rows, std::int64_t cols, std::int64_t ld_in, T* out, std::int64_t ld_out) {
#ifdef SOMA_BINARY_GEMM_AVX512
  if constexpr (std::is_same_v<T, float>)
    if (binary_gemm_fast()) return transpose_avx512(in, rows, cols, ld_in, out, ld_out);
#endif
  transpose_loop(in, rows, cols, ld_in, out, ld_out);
}

template bool binary_bits<float>(const float*, std::int64_t, std::int64_t, std::int64_t, std::uint64_t*);
template bool binary_bits<double>(const double*, std::int64_t, std::int64_t, std::int64_t, std::uint64_t*);
template void binary_gemm<float>(std::int64_t, std::int64_t, std::int64_t, const std::uint64_t*, const float*,
                                 std::int64_t, const float*, float*, std::int64_t);
template void binary_gemm<double>(std::int64_t, std::int64_t, std::int64_t, const std::uint64_t*, const double*,
                                  std::int64_t, const double*, double*, std::int64_t);
template void transpose<float>(const float*, std::int64_t, std::int64_t, std::int64_t, float*, std::int64_t);
template void transpose<double>(const double*, std::int64_t, std::int64_t, std::int64_t, double*, std::int64_t);

}  // namespace soma::kernels
