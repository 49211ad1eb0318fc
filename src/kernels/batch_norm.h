// Batch-norm loops over x seen as [N, C, inner] (Lanes with outer = N, n = C): inner is 1 for
// [N, C], L for [N, C, L] and H*W for [N, C, H, W]. Per-channel constants come in as arrays
// of C. Each channel's sums run in double and in one fixed order (n, then inner, the inner
// row in vector lanes added at its end) whatever the thread count, so results are bitwise
// reproducible; threads split the channels. The inner loops are `omp simd`: scalar, one
// double accumulator is a chain of dependent adds (4 cycles each), and batch norm took a
// sixth of a B5 training step (docs/performance.md).
// Math: Ioffe & Szegedy 2015, Algorithm 1 and the backward pass of section 3.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/lanes.h"
#include "kernels/parallel.h"

namespace soma::kernels {

/// Calls f(c_begin, c_end) over channel ranges, in parallel when there is enough work.
template <class F>
void for_channels(Lanes l, F&& f) {
  const std::int64_t per_channel = std::max<std::int64_t>(l.outer * l.inner, 1);
  parallel_for(l.n, std::max<std::int64_t>(1, kParallelGrain / per_channel), f);
}

/// mean[c] = (1/m) sum x and var[c] = (1/m) sum (x - mean[c])^2 (biased), m = N * inner > 0.
/// Two passes: the one-pass E[x^2] - E[x]^2 cancels catastrophically when |mean| >> std.
/// Within a channel range the loops run n, c, inner, so an [N, C] input is read row by row.
template <class T>
void channel_moments(const T* x, Lanes l, double* mean, double* var) {
  const double m = double(l.outer * l.inner);
  for_channels(l, [&](std::int64_t c0, std::int64_t c1) {
    std::fill(mean + c0, mean + c1, 0.0);
    std::fill(var + c0, var + c1, 0.0);
    for (std::int64_t n = 0; n < l.outer; ++n)
      for (std::int64_t c = c0; c < c1; ++c) {
        const T* xr = x + (n * l.n + c) * l.inner;
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t i = 0; i < l.inner; ++i) s += double(xr[i]);
        mean[c] += s;
      }
    for (std::int64_t c = c0; c < c1; ++c) mean[c] /= m;
    for (std::int64_t n = 0; n < l.outer; ++n)
      for (std::int64_t c = c0; c < c1; ++c) {
        const T* xr = x + (n * l.n + c) * l.inner;
        const double mu = mean[c];
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t i = 0; i < l.inner; ++i) {
          const double d = double(xr[i]) - mu;
          s += d * d;
        }
        var[c] += s;
      }
    for (std::int64_t c = c0; c < c1; ++c) var[c] /= m;
  });
}

/// out = (in - sub[c]) * mul[c] + add[c], in double: the normalization y = (x - mean) *
/// (gamma invstd) + beta, and eval mode's input gradient (sub = add = 0). Subtracting the
/// unrounded mean before scaling keeps float32 accurate when |mean| >> std (the folded form
/// x * a + (beta - mean * a) loses the digits that the cancellation leaves).
template <class T>
void channel_affine(const T* in, Lanes l, const double* sub, const double* mul, const double* add, T* out) {
  const std::int64_t rows = l.outer * l.n;
  parallel_for(rows, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(l.inner, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
                 // c = r mod C, stepped instead of divided: [N, C] rows are single elements.
                 for (std::int64_t r = r0, c = r0 % l.n; r < r1; ++r, c = c + 1 == l.n ? 0 : c + 1) {
                   const double s = sub[c], k = mul[c], a = add[c];
                   const T* ir = in + r * l.inner;
                   T* orow = out + r * l.inner;
#pragma omp simd
                   for (std::int64_t i = 0; i < l.inner; ++i) orow[i] = T((double(ir[i]) - s) * k + a);
                 }
               });
}

/// sum_dy[c] = sum dy and sum_dy_xhat[c] = sum dy * (x - mean[c]) * invstd[c]: the bias and
/// weight gradients, and the two projections the input gradient removes.
template <class T>
void channel_grad_sums(const T* dy, const T* x, Lanes l, const double* mean, const double* invstd, double* sum_dy,
                       double* sum_dy_xhat) {
  for_channels(l, [&](std::int64_t c0, std::int64_t c1) {
    std::fill(sum_dy + c0, sum_dy + c1, 0.0);
    std::fill(sum_dy_xhat + c0, sum_dy_xhat + c1, 0.0);
    for (std::int64_t n = 0; n < l.outer; ++n)
      for (std::int64_t c = c0; c < c1; ++c) {
        const std::int64_t base = (n * l.n + c) * l.inner;
        const double mu = mean[c];
        double s = 0, sx = 0;
#pragma omp simd reduction(+ : s, sx)
        for (std::int64_t i = 0; i < l.inner; ++i) {
          const double g = double(dy[base + i]);
          s += g;
          sx += g * (double(x[base + i]) - mu);
        }
        sum_dy[c] += s;
        sum_dy_xhat[c] += sx;
      }
    for (std::int64_t c = c0; c < c1; ++c) sum_dy_xhat[c] *= invstd[c];
  });
}

/// Training-mode input gradient, with xhat = (x - mean) invstd and m = N * inner:
///   dx = gamma invstd (dy - sum_dy / m - xhat sum_dy_xhat / m),
/// the two subtracted means being the batch statistics' own dependence on x. Computed in
/// double as dx = k dy - b - (x - mean) a with per-channel k = gamma invstd,
/// b = k sum_dy / m and a = k invstd sum_dy_xhat / m. gamma may be null (1).
template <class T>
void batch_norm_input_grad(const T* dy, const T* x, Lanes l, const double* mean, const double* invstd,
                           const double* gamma, const double* sum_dy, const double* sum_dy_xhat, T* dx) {
  const double m = double(l.outer * l.inner);
  std::vector<double> k(l.n), b(l.n), a(l.n);
  for (std::int64_t c = 0; c < l.n; ++c) {
    k[c] = (gamma ? gamma[c] : 1.0) * invstd[c];
    b[c] = k[c] * sum_dy[c] / m;
    a[c] = k[c] * invstd[c] * sum_dy_xhat[c] / m;
  }
  const std::int64_t rows = l.outer * l.n;
  parallel_for(rows, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(l.inner, 1)),
               [&](std::int64_t r0, std::int64_t r1) {
                 for (std::int64_t r = r0, c = r0 % l.n; r < r1; ++r, c = c + 1 == l.n ? 0 : c + 1) {
                   const double kc = k[c], bc = b[c], ac = a[c], mc = mean[c];
                   const T* gr = dy + r * l.inner;
                   const T* xr = x + r * l.inner;
                   T* dr = dx + r * l.inner;
#pragma omp simd
                   for (std::int64_t i = 0; i < l.inner; ++i)
                     dr[i] = T(kc * double(gr[i]) - bc - (double(xr[i]) - mc) * ac);
                 }
               });
}

}  // namespace soma::kernels
