// Pooling loops (see pool.h). Window bounds follow PyTorch's CPU kernels
// (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, AvgPoolKernel.cpp) so that the winners, the
// divisors and the NaN handling agree element for element.
#include "kernels/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/parallel.h"

namespace soma::kernels {
namespace {

// Planes per thread chunk: about kParallelGrain elements of work, at least one plane.
std::int64_t plane_grain(std::int64_t per_plane) {
  return std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(per_plane, 1));
}

// The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1).
struct Window {
  std::int64_t h0, h1, w0, w1;
};
Window clipped(const PoolGeometry& g, std::int64_t oh, std::int64_t ow) {
  const std::int64_t h = oh * g.stride_h - g.pad_h, w = ow * g.stride_w - g.pad_w;
  return {std::max<std::int64_t>(h, 0), std::min(h + g.kH, g.H), std::max<std::int64_t>(w, 0),
          std::min(w + g.kW, g.W)};
}

// PyTorch's avg_pool2d divisor: the window clipped to the padded input (which ceil_mode's
// last window may overrun), or only the input elements under it.
std::int64_t avg_divisor(const PoolGeometry& g, std::int64_t oh, std::int64_t ow, bool count_include_pad) {
  if (!count_include_pad) {
    const Window c = clipped(g, oh, ow);
    return (c.h1 - c.h0) * (c.w1 - c.w0);
  }
  const std::int64_t h = oh * g.stride_h - g.pad_h, w = ow * g.stride_w - g.pad_w;
  const std::int64_t h1 = std::min(h + g.kH, g.H + g.pad_h), w1 = std::min(w + g.kW, g.W + g.pad_w);
  return (h1 - h) * (w1 - w);
}

}  // namespace

// x is (planes, H, W), y and argmax (planes, OH, OW).
template <class T>
void max_pool2d_forward(const T* x, std::int64_t planes, const PoolGeometry& g, T* y, std::int32_t* argmax) {
  const std::int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      std::int32_t* ap = argmax ? argmax + p * out_plane : nullptr;
      for (std::int64_t oh = 0; oh < g.OH; ++oh)
        for (std::int64_t ow = 0; ow < g.OW; ++ow) {
          const Window c = clipped(g, oh, ow);
          std::int64_t best = c.h0 * g.W + c.w0;
          T best_value = -std::numeric_limits<T>::infinity();
          for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
            for (std::int64_t iw = c.w0; iw < c.w1; ++iw) {
              const T v = xp[ih * g.W + iw];
              if (v > best_value || std::isnan(v)) {
                best_value = v;
                best = ih * g.W + iw;
              }
            }
          yp[oh * g.OW + ow] = best_value;
          if (ap) ap[oh * g.OW + ow] = std::int32_t(best);
        }
    }
  });
}

template <class T>
void max_pool2d_backward(const T* gy, const std::int32_t* argmax, std::int64_t planes, const PoolGeometry& g, T* gx) {
  const std::int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      T* gxp = gx + p * in_plane;
      const T* gyp = gy + p * out_plane;
      const std::int32_t* ap = argmax + p * out_plane;
      std::fill(gxp, gxp + in_plane, T(0));
      for (std::int64_t o = 0; o < out_plane; ++o) gxp[ap[o]] += gyp[o];
    }
  });
}

template <class T>
void avg_pool2d_forward(const T* x, std::int64_t planes, const PoolGeometry& g, bool count_include_pad, T* y) {
  const std::int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      for (std::int64_t oh = 0; oh < g.OH; ++oh)
        for (std::int64_t ow = 0; ow < g.OW; ++ow) {
          const Window c = clipped(g, oh, ow);
          if (c.h0 >= c.h1 || c.w0 >= c.w1) {  // unreachable with the op's checks; PyTorch gives 0
            yp[oh * g.OW + ow] = 0;
            continue;
          }
          T sum = 0;
          for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
            for (std::int64_t iw = c.w0; iw < c.w1; ++iw) sum += xp[ih * g.W + iw];
          yp[oh * g.OW + ow] = sum / T(avg_divisor(g, oh, ow, count_include_pad));
        }
    }
  });
}

template <class T>
void avg_pool2d_backward(const T* gy, std::int64_t planes, const PoolGeometry& g, bool count_include_pad, T* gx) {
  const std::int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      T* gxp = gx + p * in_plane;
      const T* gyp = gy + p * out_plane;
      std::fill(gxp, gxp + in_plane, T(0));
      for (std::int64_t oh = 0; oh < g.OH; ++oh)
        for (std::int64_t ow = 0; ow < g.OW; ++ow) {
          const Window c = clipped(g, oh, ow);
          if (c.h0 >= c.h1 || c.w0 >= c.w1) continue;
          const T share = gyp[oh * g.OW + ow] / T(avg_divisor(g, oh, ow, count_include_pad));
          for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
            for (std::int64_t iw = c.w0; iw < c.w1; ++iw) gxp[ih * g.W + iw] += share;
        }
    }
  });
}

template <class T>
void global_avg_pool2d_forward(const T* x, std::int64_t planes, std::int64_t HW, T* y) {
  parallel_for(planes, plane_grain(HW), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * HW;
      T sum = 0;
      for (std::int64_t i = 0; i < HW; ++i) sum += xp[i];
      y[p] = sum / T(HW);
    }
  });
}

template <class T>
void global_avg_pool2d_backward(const T* gy, std::int64_t planes, std::int64_t HW, T* gx) {
  parallel_for(planes, plane_grain(HW), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) std::fill(gx + p * HW, gx + (p + 1) * HW, gy[p] / T(HW));
  });
}

#define SOMA_POOL_INSTANTIATE(T)                                                                                 \
  template void max_pool2d_forward<T>(const T*, std::int64_t, const PoolGeometry&, T*, std::int32_t*);           \
  template void max_pool2d_backward<T>(const T*, const std::int32_t*, std::int64_t, const PoolGeometry&, T*);     \
  template void avg_pool2d_forward<T>(const T*, std::int64_t, const PoolGeometry&, bool, T*);                    \
  template void avg_pool2d_backward<T>(const T*, std::int64_t, const PoolGeometry&, bool, T*);                   \
  template void global_avg_pool2d_forward<T>(const T*, std::int64_t, std::int64_t, T*);                          \
  template void global_avg_pool2d_backward<T>(const T*, std::int64_t, std::int64_t, T*);
SOMA_POOL_INSTANTIATE(float)
SOMA_POOL_INSTANTIATE(double)
#undef SOMA_POOL_INSTANTIATE

}  // namespace soma::kernels
