// Pooling loops (see pool.h). Window bounds follow PyTorch's CPU kernels
// (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, AvgPoolKernel.cpp) so that the winners, the
// divisors and the NaN handling agree element for element.
#include "kernels/pool.h"

#include <algorithm>
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

// One step of PyTorch's scan over a window: v takes over when larger or NaN. Written with
// selects, not branches: on real data the comparison is a coin toss the predictor loses.
template <class T, class Index>
inline void challenge(T v, Index at, T& best, Index& best_at) {
  const bool take = v > best || v != v;
  best = take ? v : best;
  best_at = take ? at : best_at;
}

// Outputs [ow_begin, ow_end) of one output row whose 2x2, stride-2 windows lie inside the
// plane (MaxPool2d(2), the usual case): rows r0 = x[ih] and r1 = x[ih + 1], no bounds to
// check, so the loop is straight-line code.
template <bool kIndices, class T>
void max_pool_2x2_row(const T* r0, const T* r1, std::int64_t ih, std::int64_t W, std::int64_t ow_begin,
                      std::int64_t ow_end, T* y, std::int32_t* argmax) {
  const std::int32_t row = std::int32_t(ih * W), below = std::int32_t(W);
#pragma omp simd
  for (std::int64_t ow = ow_begin; ow < ow_end; ++ow) {
    const std::int32_t iw = std::int32_t(2 * ow);
    T best = r0[iw];  // the first element always wins against the initial -inf (or ties it)
    std::int32_t best_at = 0;
    challenge(r0[iw + 1], 1, best, best_at);
    challenge(r1[iw], below, best, best_at);
    challenge(r1[iw + 1], below + 1, best, best_at);
    y[ow] = best;
    if constexpr (kIndices) argmax[ow] = row + iw + best_at;
  }
}

// x is (planes, H, W), y and argmax (planes, OH, OW).
template <class T>
void max_pool2d_forward(const T* x, std::int64_t planes, const PoolGeometry& g, T* y, std::int32_t* argmax) {
  const std::int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  const bool two_by_two = g.kH == 2 && g.kW == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_h == 0 && g.pad_w == 0;
  // With two_by_two, the outputs whose windows lie inside the plane (ceil_mode may add a
  // clipped last row and column).
  const std::int64_t inner_h = std::min(g.OH, g.H / 2), inner_w = std::min(g.OW, g.W / 2);
  parallel_for(planes, plane_grain(in_plane + out_plane), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      std::int32_t* ap = argmax ? argmax + p * out_plane : nullptr;
      for (std::int64_t oh = 0; oh < g.OH; ++oh) {
        std::int64_t ow = 0;
        if (two_by_two && oh < inner_h) {
          const T *r0 = xp + 2 * oh * g.W, *r1 = r0 + g.W;
          if (ap) max_pool_2x2_row<true>(r0, r1, 2 * oh, g.W, 0, inner_w, yp + oh * g.OW, ap + oh * g.OW);
          else max_pool_2x2_row<false>(r0, r1, 2 * oh, g.W, 0, inner_w, yp + oh * g.OW, ap);
          ow = inner_w;
        }
        for (; ow < g.OW; ++ow) {
          const Window c = clipped(g, oh, ow);
          std::int64_t best_at = c.h0 * g.W + c.w0;
          T best = -std::numeric_limits<T>::infinity();
          for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
            for (std::int64_t iw = c.w0; iw < c.w1; ++iw) challenge(xp[ih * g.W + iw], ih * g.W + iw, best, best_at);
          yp[oh * g.OW + ow] = best;
          if (ap) ap[oh * g.OW + ow] = std::int32_t(best_at);
        }
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

template <class T>
void adaptive_avg_pool2d_forward(const T* x, std::int64_t planes, std::int64_t H, std::int64_t W, std::int64_t OH,
                                 std::int64_t OW, T* y) {
  parallel_for(planes, plane_grain(H * W), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * H * W;
      T* yp = y + p * OH * OW;
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        const std::int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          T sum = 0;
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w) sum += xp[h * W + w];
          yp[oh * OW + ow] = sum / T((h1 - h0) * (w1 - w0));
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_backward(const T* gy, std::int64_t planes, std::int64_t H, std::int64_t W, std::int64_t OH,
                                  std::int64_t OW, T* gx) {
  parallel_for(planes, plane_grain(H * W), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      T* gp = gx + p * H * W;
      const T* gyp = gy + p * OH * OW;
      std::fill(gp, gp + H * W, T(0));
      for (std::int64_t oh = 0; oh < OH; ++oh) {
        const std::int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const std::int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          const T share = gyp[oh * OW + ow] / T((h1 - h0) * (w1 - w0));
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w) gp[h * W + w] += share;
        }
      }
    }
  });
}

#define SOMA_POOL_INSTANTIATE(T)                                                                                 \
  template void max_pool2d_forward<T>(const T*, std::int64_t, const PoolGeometry&, T*, std::int32_t*);           \
  template void max_pool2d_backward<T>(const T*, const std::int32_t*, std::int64_t, const PoolGeometry&, T*);     \
  template void avg_pool2d_forward<T>(const T*, std::int64_t, const PoolGeometry&, bool, T*);                    \
  template void avg_pool2d_backward<T>(const T*, std::int64_t, const PoolGeometry&, bool, T*);                   \
  template void global_avg_pool2d_forward<T>(const T*, std::int64_t, std::int64_t, T*);                          \
  template void global_avg_pool2d_backward<T>(const T*, std::int64_t, std::int64_t, T*);                         \
  template void adaptive_avg_pool2d_forward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t, \
                                               std::int64_t, T*);                                                \
  template void adaptive_avg_pool2d_backward<T>(const T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t, \
                                                std::int64_t, T*);
SOMA_POOL_INSTANTIATE(float)
SOMA_POOL_INSTANTIATE(double)
#undef SOMA_POOL_INSTANTIATE

}  // namespace soma::kernels
