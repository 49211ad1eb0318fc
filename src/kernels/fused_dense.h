// A dense layer's inference forward in one call: y = act(x W^T + b), the product, the bias and
// the activation fused, for nn::InferencePlan (soma/nn/inference.h). float32 (float64 models
// run their layers' own forward), and a version that reads W rounded to bfloat16, half the
// bytes. At batch 1 on an AVX-512 CPU the product is a kernel of its own that reads W once,
// 16 rows per block in passes of four rows, four cache lines of each per step, and adds the
// bias and applies the activation to the block's 16 outputs in one register; at larger batches
// (or without AVX-512) it is the library GEMM with the bias as its starting value and the
// activation over the output while it is in cache. Measurements: docs/performance.md (B9).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// The activations a dense layer's forward can end with (identity: none).
enum class DenseActivation { identity, relu, leaky_relu, sigmoid, tanh };

/// y [rows, out] = act(x [rows, in] W^T + bias) for W [out, in] row-major (PyTorch's Linear
/// layout) and bias [out], or no bias when null. `slope` is leaky_relu's for x < 0 (unused
/// otherwise). relu and leaky_relu keep NaN; sigmoid and tanh go through exp_fast/tanh_fast
/// (fast_math.h). y must not overlap x, W or bias. Requires rows, in, out > 0.
void fused_dense(const float* x, std::int64_t rows, std::int64_t in, const float* W, const float* bias,
                 std::int64_t out, DenseActivation act, float slope, float* y);

// ---- bfloat16 weights (nn::InferenceOptions::bf16) ----
// W rounded to bfloat16 (round to nearest even) and x rounded likewise at each call; products
// of two bfloat16 are exact in float32 and are summed in float32, as AVX512_BF16's vdpbf16ps
// and PyTorch's autocast to bfloat16 do. Half the bytes of W to read per call.

/// The row length of W as bfloat16: `in` rounded up to a multiple of 32 (the columns past
/// `in` are zeros), so that every row starts 64-byte aligned and has no partial tail.
constexpr std::int64_t bf16_row_length(std::int64_t in) { return (in + 31) / 32 * 32; }

/// Wb [out, bf16_row_length(in)] = W [out, in] rounded to bfloat16, zero-padded.
void to_bf16_rows(const float* W, std::int64_t out, std::int64_t in, std::uint16_t* Wb);

/// y [rows, out] = act(bf16(x) Wb^T + bias), Wb from to_bf16_rows. `scratch` holds
/// bf16_row_length(in) values (x's row rounded to bfloat16), 64-byte aligned, as Wb must be.
/// Vectorized where the CPU has AVX512_BF16; elsewhere a plain loop over the same roundings.
void fused_dense_bf16(const float* x, std::int64_t rows, std::int64_t in, const std::uint16_t* Wb,
                      const float* bias, std::int64_t out, DenseActivation act, float slope,
                      std::uint16_t* scratch, float* y);

}  // namespace soma::kernels
