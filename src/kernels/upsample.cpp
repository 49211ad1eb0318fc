// Interpolation loops (see upsample.h). The index arithmetic copies PyTorch's CPU kernels
// (UpSample.h: nearest_idx, area_pixel_compute_scale, area_pixel_compute_source_index) in
// behaviour, including the float32 scale of 'nearest', so that soma picks the same source
// pixel even where dst * scale lands next to an integer.
#include "kernels/upsample.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel.h"

namespace soma::kernels {
namespace {

std::int64_t plane_grain(std::int64_t per_plane) {
  return std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(per_plane, 1));
}

// 1 / scale_factor when given (and positive), else in / out, in the type S.
template <class S>
S scale_of(std::int64_t in, std::int64_t out, std::optional<double> scale_factor) {
  if (scale_factor && *scale_factor > 0) return static_cast<S>(1.0 / *scale_factor);
  return static_cast<S>(in) / static_cast<S>(out);
}

}  // namespace

template <class T>
Taps<T> nearest_taps(std::int64_t in, std::int64_t out, std::optional<double> scale_factor) {
  Taps<T> t;
  t.i0.resize(out);
  const float scale = scale_of<float>(in, out, scale_factor);
  for (std::int64_t o = 0; o < out; ++o) {
    if (out == in) t.i0[o] = o;
    else if (out == 2 * in) t.i0[o] = o >> 1;
    else t.i0[o] = std::min(static_cast<std::int64_t>(std::floor(float(o) * scale)), in - 1);
  }
  return t;
}

template <class T>
Taps<T> linear_taps(std::int64_t in, std::int64_t out, bool align_corners, std::optional<double> scale_factor) {
  Taps<T> t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.w0.resize(out);
  t.w1.resize(out);
  T scale;
  if (align_corners) scale = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  else scale = scale_of<T>(in, out, scale_factor);
  for (std::int64_t o = 0; o < out; ++o) {
    if (out == in) {  // PyTorch copies then, whatever the scale
      t.i0[o] = t.i1[o] = o;
      t.w0[o] = 1;
      t.w1[o] = 0;
      continue;
    }
    T src = align_corners ? scale * T(o) : scale * (T(o) + T(0.5)) - T(0.5);
    if (!align_corners && src < 0) src = 0;
    const auto i0 = static_cast<std::int64_t>(src);
    t.i0[o] = i0;
    t.i1[o] = i0 + (i0 < in - 1 ? 1 : 0);
    t.w1[o] = std::min(std::max(src - T(i0), T(0)), T(1));
    t.w0[o] = T(1) - t.w1[o];
  }
  return t;
}

template <class T>
void upsample_nearest_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, const Taps<T>& rows,
                              const Taps<T>& cols, T* y) {
  const auto OH = std::int64_t(rows.i0.size()), OW = std::int64_t(cols.i0.size());
  parallel_for(planes, plane_grain(OH * OW), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p)
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        const T* in = x + (p * H + rows.i0[oh]) * W;
        T* out = y + (p * OH + oh) * OW;
        for (std::int64_t ow = 0; ow < OW; ++ow) out[ow] = in[cols.i0[ow]];
      }
  });
}

template <class T>
void upsample_nearest_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W,
                               const Taps<T>& rows, const Taps<T>& cols, T* gx) {
  const auto OH = std::int64_t(rows.i0.size()), OW = std::int64_t(cols.i0.size());
  parallel_for(planes, plane_grain(OH * OW), [&](std::int64_t begin, std::int64_t end) {
    std::fill(gx + begin * H * W, gx + end * H * W, T(0));
    for (std::int64_t p = begin; p < end; ++p)
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        const T* in = gy + (p * OH + oh) * OW;
        T* out = gx + (p * H + rows.i0[oh]) * W;
        for (std::int64_t ow = 0; ow < OW; ++ow) out[cols.i0[ow]] += in[ow];
      }
  });
}

template <class T>
void upsample_bilinear_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, const Taps<T>& rows,
                               const Taps<T>& cols, T* y) {
  const auto OH = std::int64_t(rows.i0.size()), OW = std::int64_t(cols.i0.size());
  parallel_for(planes, plane_grain(OH * OW), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p)
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        const T* r0 = x + (p * H + rows.i0[oh]) * W;
        const T* r1 = x + (p * H + rows.i1[oh]) * W;
        const T h0 = rows.w0[oh], h1 = rows.w1[oh];
        T* out = y + (p * OH + oh) * OW;
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t c0 = cols.i0[ow], c1 = cols.i1[ow];
          const T v0 = cols.w0[ow], v1 = cols.w1[ow];
          out[ow] = h0 * (v0 * r0[c0] + v1 * r0[c1]) + h1 * (v0 * r1[c0] + v1 * r1[c1]);
        }
      }
  });
}

template <class T>
void upsample_bilinear_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W,
                                const Taps<T>& rows, const Taps<T>& cols, T* gx) {
  const auto OH = std::int64_t(rows.i0.size()), OW = std::int64_t(cols.i0.size());
  parallel_for(planes, plane_grain(OH * OW), [&](std::int64_t begin, std::int64_t end) {
    std::fill(gx + begin * H * W, gx + end * H * W, T(0));
    for (std::int64_t p = begin; p < end; ++p)
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        T* r0 = gx + (p * H + rows.i0[oh]) * W;
        T* r1 = gx + (p * H + rows.i1[oh]) * W;
        const T h0 = rows.w0[oh], h1 = rows.w1[oh];
        const T* in = gy + (p * OH + oh) * OW;
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t c0 = cols.i0[ow], c1 = cols.i1[ow];
          const T v0 = cols.w0[ow], v1 = cols.w1[ow], g = in[ow];
          r0[c0] += h0 * v0 * g;
          r0[c1] += h0 * v1 * g;
          r1[c0] += h1 * v0 * g;
          r1[c1] += h1 * v1 * g;
        }
      }
  });
}

#define SOMA_UPSAMPLE_INSTANTIATE(T)                                                                                \
  template Taps<T> nearest_taps<T>(std::int64_t, std::int64_t, std::optional<double>);                             \
  template Taps<T> linear_taps<T>(std::int64_t, std::int64_t, bool, std::optional<double>);                        \
  template void upsample_nearest_forward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, const Taps<T>&,    \
                                            const Taps<T>&, T*);                                                    \
  template void upsample_nearest_backward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, const Taps<T>&,   \
                                             const Taps<T>&, T*);                                                   \
  template void upsample_bilinear_forward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, const Taps<T>&,   \
                                             const Taps<T>&, T*);                                                   \
  template void upsample_bilinear_backward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, const Taps<T>&,  \
                                              const Taps<T>&, T*);
SOMA_UPSAMPLE_INSTANTIATE(float)
SOMA_UPSAMPLE_INSTANTIATE(double)
#undef SOMA_UPSAMPLE_INSTANTIATE

}  // namespace soma::kernels
