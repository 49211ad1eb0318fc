// im2col, col2im and the batch loops of the GEMM convolution (see im2col.h). Each thread
// takes a contiguous run of images and calls single-threaded GEMMs (oneDNN's sgemm runs on
// one thread inside an OpenMP region), so the threads never wait on each other until the
// weight and bias gradients, summed per thread (per fixed part in deterministic mode), are
// added up in order at the end.
#include "kernels/im2col.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"
#include "soma/core/threads.h"

namespace soma::kernels {
namespace {

// The output columns ow whose input column ow*stride + offset lies in [0, W): [lo, hi).
struct Span {
  std::int64_t lo, hi;
};
Span valid_span(std::int64_t offset, std::int64_t stride, std::int64_t W, std::int64_t OW) {
  const std::int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const std::int64_t last = W - 1 - offset;  // largest ow*stride allowed
  const std::int64_t hi = last < 0 ? 0 : std::min(OW, last / stride + 1);
  return {std::min(lo, OW), std::max(std::min(lo, OW), hi)};
}

}  // namespace

// x is (C, H, W); col is (C*kH*kW, OH*OW), row stride ld. One row per kernel tap (c, i, j):
// for each output row oh, the input row it reads is fixed, so the row is copied with the
// stride (a memcpy at stride 1) between zeros where the tap hangs over the padding.
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col, std::int64_t ld) {
  const std::int64_t OW = g.OW;
  for (std::int64_t c = 0; c < g.C; ++c)
    for (std::int64_t i = 0; i < g.kH; ++i)
      for (std::int64_t j = 0; j < g.kW; ++j) {
        T* row = col + ((c * g.kH + i) * g.kW + j) * ld;
        const std::int64_t dy = i * g.dil_h - g.pad_top, dx = j * g.dil_w - g.pad_left;
        const Span s = valid_span(dx, g.stride_w, g.W, OW);
        for (std::int64_t oh = 0; oh < g.OH; ++oh) {
          T* out = row + oh * OW;
          const std::int64_t ih = oh * g.stride_h + dy;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + OW, T(0));
            continue;
          }
          const T* in = x + (c * g.H + ih) * g.W + dx;
          std::fill(out, out + s.lo, T(0));
          if (g.stride_w == 1) {
            std::memcpy(out + s.lo, in + s.lo, (s.hi - s.lo) * sizeof(T));
          } else {
            for (std::int64_t ow = s.lo; ow < s.hi; ++ow) out[ow] = in[ow * g.stride_w];
          }
          std::fill(out + s.hi, out + OW, T(0));
        }
      }
}

// The same walk as im2col with the copy reversed into a sum: overlapping windows (stride <
// kernel) add several entries into one pixel.
template <class T>
void col2im(const T* col, const ConvGeometry& g, std::int64_t ld, T* x) {
  const std::int64_t OW = g.OW;
  for (std::int64_t c = 0; c < g.C; ++c)
    for (std::int64_t i = 0; i < g.kH; ++i)
      for (std::int64_t j = 0; j < g.kW; ++j) {
        const T* row = col + ((c * g.kH + i) * g.kW + j) * ld;
        const std::int64_t dy = i * g.dil_h - g.pad_top, dx = j * g.dil_w - g.pad_left;
        const Span s = valid_span(dx, g.stride_w, g.W, OW);
        for (std::int64_t oh = 0; oh < g.OH; ++oh) {
          const std::int64_t ih = oh * g.stride_h + dy;
          if (ih < 0 || ih >= g.H) continue;
          const T* in = row + oh * OW;
          T* out = x + (c * g.H + ih) * g.W + dx;
          if (g.stride_w == 1) {
            for (std::int64_t ow = s.lo; ow < s.hi; ++ow) out[ow] += in[ow];
          } else {
            for (std::int64_t ow = s.lo; ow < s.hi; ++ow) out[ow * g.stride_w] += in[ow];
          }
        }
      }
}

int conv_threads(const ConvShape& s) {
  const std::int64_t by_work = std::max<std::int64_t>(1, conv_macs(s) / kMinMacsPerThread);
  return int(std::max<std::int64_t>(1, std::min({std::int64_t(omp_get_max_threads()), s.N, by_work})));
}

std::int64_t conv_forward_workspace(const ConvShape& s) {
  return s.g.is_pointwise() ? 0 : conv_threads(s) * s.g.rows() * s.g.cols();
}

// The runs of images whose weight and bias gradients are summed apart, then added in order:
// one per thread, or in deterministic mode (soma/core/threads.h) a count fixed by the shape
// alone, so that the sum does not depend on the thread count.
int conv_backward_parts(const ConvShape& s) {
  if (!deterministic()) return conv_threads(s);
  constexpr std::int64_t kMaxParts = 16;
  return int(std::clamp<std::int64_t>(conv_macs(s) / kMinMacsPerThread, 1, std::min(s.N, kMaxParts)));
}

// Per part: a column buffer (reused for the column gradient), then the part's partial sums
// of the weight and bias gradients.
std::int64_t conv_backward_workspace(const ConvShape& s, bool weight_grad, bool bias_grad) {
  const std::int64_t K = s.g.rows(), P = s.g.cols();
  return conv_backward_parts(s) * (K * P + (weight_grad ? s.O * K : 0) + (bias_grad ? s.O : 0));
}

// x is (N, groups*C, H, W), w (O, C, kH, kW), y (N, O, OH, OW). Per image and group:
//   y[n, group] (Og, P) = w[group] (Og, K) * col (K, P)  (+ bias, laid down first, beta = 1).
template <class T>
void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* b, T* y, T* workspace) {
  const ConvGeometry& g = s.g;
  const std::int64_t K = g.rows(), P = g.cols(), Og = s.out_per_group();
  const std::int64_t x_group = g.C * g.H * g.W, x_image = s.groups * x_group;
  const bool pointwise = g.is_pointwise();
  const int threads = conv_threads(s);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num();
    T* col = pointwise ? nullptr : workspace + t * K * P;
    for (std::int64_t n = s.N * t / threads; n < s.N * (t + 1) / threads; ++n)
      for (std::int64_t grp = 0; grp < s.groups; ++grp) {
        const T* xg = x + n * x_image + grp * x_group;
        T* yg = y + (n * s.O + grp * Og) * P;
        if (!pointwise) im2col(xg, g, col, P);
        if (b)
          for (std::int64_t o = 0; o < Og; ++o) std::fill(yg + o * P, yg + (o + 1) * P, b[grp * Og + o]);
        gemm<T>(false, false, Og, P, K, T(1), w + grp * Og * K, K, pointwise ? xg : col, P, b ? T(1) : T(0), yg, P);
      }
  }
}

// Per image and group, with col the image's column matrix and gy[n, group] (Og, P):
//   gw[group] += gy (Og, P) * col^T (P, K)      (summed over the batch, per thread, then added)
//   dcol (K, P) = w[group]^T (K, Og) * gy         and gx[n, group] = col2im(dcol)
//   gb[o] += sum over P of gy[n, o]
template <class T>
void conv2d_backward(const ConvShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb, T* workspace) {
  const ConvGeometry& g = s.g;
  const std::int64_t K = g.rows(), P = g.cols(), Og = s.out_per_group();
  const std::int64_t x_group = g.C * g.H * g.W, x_image = s.groups * x_group;
  const bool pointwise = g.is_pointwise();
  const int parts = conv_backward_parts(s), threads = std::min(parts, conv_threads(s));
  const std::int64_t per_thread = K * P + (gw ? s.O * K : 0) + (gb ? s.O : 0);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int t = 0; t < parts; ++t) {
    T* col = workspace + t * per_thread;
    T* gw_part = gw ? col + K * P : nullptr;
    T* gb_part = gb ? col + K * P + (gw ? s.O * K : 0) : nullptr;
    if (gw) std::fill(gw_part, gw_part + s.O * K, T(0));
    if (gb) std::fill(gb_part, gb_part + s.O, T(0));
    for (std::int64_t n = s.N * t / parts; n < s.N * (t + 1) / parts; ++n)
      for (std::int64_t grp = 0; grp < s.groups; ++grp) {
        const T* xg = x + n * x_image + grp * x_group;
        const T* wg = w + grp * Og * K;
        const T* gyg = gy + (n * s.O + grp * Og) * P;
        if (gw) {
          const T* cols = xg;
          if (!pointwise) {
            im2col(xg, g, col, P);
            cols = col;
          }
          gemm<T>(false, true, Og, K, P, T(1), gyg, P, cols, P, T(1), gw_part + grp * Og * K, K);
        }
        if (gx) {
          T* gxg = gx + n * x_image + grp * x_group;
          if (pointwise) {
            gemm<T>(true, false, K, P, Og, T(1), wg, K, gyg, P, T(0), gxg, P);
          } else {
            gemm<T>(true, false, K, P, Og, T(1), wg, K, gyg, P, T(0), col, P);
            std::fill(gxg, gxg + x_group, T(0));
            col2im(col, g, P, gxg);
          }
        }
        if (gb)
          for (std::int64_t o = 0; o < Og; ++o) {
            const T* row = gyg + o * P;
            T acc = 0;
            for (std::int64_t p = 0; p < P; ++p) acc += row[p];
            gb_part[grp * Og + o] += acc;
          }
      }
  }
  // Part order, so that a given split always sums the same way.
  auto reduce = [&](T* out, std::int64_t offset, std::int64_t count) {
    std::copy(workspace + offset, workspace + offset + count, out);
    for (int t = 1; t < parts; ++t) {
      const T* part = workspace + t * per_thread + offset;
      for (std::int64_t i = 0; i < count; ++i) out[i] += part[i];
    }
  };
  if (gw) reduce(gw, K * P, s.O * K);
  if (gb) reduce(gb, K * P + (gw ? s.O * K : 0), s.O);
}

template void im2col<float>(const float*, const ConvGeometry&, float*, std::int64_t);
template void im2col<double>(const double*, const ConvGeometry&, double*, std::int64_t);
template void col2im<float>(const float*, const ConvGeometry&, std::int64_t, float*);
template void col2im<double>(const double*, const ConvGeometry&, std::int64_t, double*);
template void conv2d_forward<float>(const ConvShape&, const float*, const float*, const float*, float*, float*);
template void conv2d_forward<double>(const ConvShape&, const double*, const double*, const double*, double*, double*);
template void conv2d_backward<float>(const ConvShape&, const float*, const float*, const float*, float*, float*,
                                     float*, float*);
template void conv2d_backward<double>(const ConvShape&, const double*, const double*, const double*, double*,
                                      double*, double*, double*);

}  // namespace soma::kernels
