// Products whose left operand holds only 0 and 1, as the samples of a Bernoulli RBM do
// (generative/rbm.cpp): A B is then a sum of selected rows of B, and A is stored as bits.
// At the RBM's densities (a third to a half of the entries are 1) summing the selected rows
// does a third to a half of a dense GEMM's arithmetic, with additions only: the result is the
// dense product's up to the order of the additions. The fast versions need AVX-512F; every
// function also has a plain-loop version, so results and tests do not depend on the CPU's
// support, only the speed does (binary_gemm_fast). Measurements: docs/generative.md.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// True where the AVX-512 versions run; elsewhere a dense GEMM is the faster choice.
bool binary_gemm_fast();

/// 64-bit words that hold `bits` bits: the row stride of every bit matrix below.
constexpr std::int64_t bit_words(std::int64_t bits) { return (bits + 63) / 64; }

/// Bit c of row r of `bits` [rows, bit_words(cols)] = (x[r, c] == 1), x [rows, cols] with
/// row stride ldx. Returns false (bits unspecified) if some x[r, c] is neither 0 nor 1.
template <class T>
bool binary_bits(const T* x, std::int64_t rows, std::int64_t cols, std::int64_t ldx, std::uint64_t* bits);

/// out [cols, bit_words(rows)] = the transpose of the bit matrix in [rows, bit_words(cols)].
void transpose_bits(const std::uint64_t* in, std::int64_t rows, std::int64_t cols, std::uint64_t* out);

/// C [M, N] = bias + A B for A [M, K] of 0/1 given as bits [M, bit_words(K)] (binary_bits),
/// B [K, N] with row stride ldb and bias [N] added to every row (null: none): row r of C is
/// bias plus the rows k of B that have bit k of A's row r set, summed in the order of k.
template <class T>
void binary_gemm(std::int64_t M, std::int64_t N, std::int64_t K, const std::uint64_t* a_bits, const T* B,
                 std::int64_t ldb, const T* bias, T* C, std::int64_t ldc);

/// out [cols, rows] (row stride ld_out) = the transpose of in [rows, cols] (row stride ld_in).
template <class T>
void transpose(const T* in, std::int64_t rows, std::int64_t cols, std::int64_t ld_in, T* out, std::int64_t ld_out);

}  // namespace soma::kernels
