// float32 e^x and tanh without libm calls, so that loops over them vectorize (a libm call per
// element keeps a loop scalar). Plain adds, multiplies, divides, selects and bit operations
// (abs, copysign) only: every vector width (multiversion.h) rounds them alike, so a vector
// loop gives the scalar function's bits.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace soma::kernels {

/// e^x in float32 without a libm call, so the gate loops vectorize: x = n ln2 + r with
/// |r| <= ln2 / 2 (Cody-Waite split of ln2), Cephes' degree-6 polynomial for e^r (relative
/// error ~1e-7), 2^n put into the exponent bits. x is clamped to [-87, 88] (no inf, no denormals).
inline float exp_fast(float x) {
  x = x < -87.0f ? -87.0f : x;  // selects, not std::min/max, so the loop stays branch-free
  x = x > 88.0f ? 88.0f : x;
  const float round = 12582912.0f;  // 1.5 * 2^23: adding and subtracting it rounds to an integer
  const float n = (x * 1.44269504088896341f + round) - round;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
}

/// tanh in float32, within 1.4 ulp of the exact value: the worst of every float in [1e-6, 12]
/// against float64 tanh was 1.33 ulp (glibc's tanhf by the same count: 2.19);
/// tests/kernels/fast_math_test.cpp keeps it within 2. Computed for a = |x|, then given x's
/// sign (so tanh(-0) = -0). Near 0, where 1 - 2 / (1 + e^{2a}) would cancel, an odd polynomial:
/// a < 0.625 gives a + a^3 P(a^2), P of degree 4 fitted here to tanh's relative error (0.8 ulp
/// in float32). Above, 1 - 2 / (1 + e^{2a}); it saturates to exactly 1 (exp_fast clamps, no
/// inf). NaN stays NaN.
inline float tanh_fast(float x) {
  const float a = std::abs(x);
  const float z = a * a;
  float p = -5.6793857366e-3f;
  p = p * z + 2.0616102964e-2f;
  p = p * z + -5.3732693195e-2f;
  p = p * z + 1.3331359625e-1f;
  p = p * z + -3.3333277702e-1f;
  const float small = a + a * z * p;
  const float big = 1.0f - 2.0f / (1.0f + exp_fast(2.0f * a));
  return std::copysign(a < 0.625f ? small : big, x);
}

}  // namespace soma::kernels
