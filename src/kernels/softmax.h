// Softmax and log-softmax along one axis, stable (the lane's max is subtracted first).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/lanes.h"

namespace soma::kernels {

/// y = softmax(x) or log_softmax(x) over each lane.
template <class T>
void softmax_forward(const T* x, T* y, Lanes l, bool log) {
  if (l.n == 0) return;  // an empty axis has nothing to normalize
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t i = 0; i < l.inner; ++i) {
      const T* xl = x + o * l.n * l.inner + i;
      T* yl = y + o * l.n * l.inner + i;
      T max = xl[0];
      for (std::int64_t k = 1; k < l.n; ++k) max = std::max(max, xl[k * l.inner]);
      T sum = 0;
      for (std::int64_t k = 0; k < l.n; ++k) sum += std::exp(xl[k * l.inner] - max);
      if (log) {
        // (x - max) - log(sum), in this order: x - (max + log(sum)) rounds the result to
        // float32's spacing at |max| (6e-5 near 1000), where this form keeps full precision.
        const T log_sum = std::log(sum);
        for (std::int64_t k = 0; k < l.n; ++k) yl[k * l.inner] = (xl[k * l.inner] - max) - log_sum;
      } else {
        for (std::int64_t k = 0; k < l.n; ++k) yl[k * l.inner] = std::exp(xl[k * l.inner] - max) / sum;
      }
    }
}

/// gx from gy and the forward output y: softmax: gx = y (gy - <gy, y>);
/// log_softmax: gx = gy - exp(y) sum(gy).
template <class T>
void softmax_backward(const T* gy, const T* y, T* gx, Lanes l, bool log) {
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t i = 0; i < l.inner; ++i) {
      const std::int64_t base = o * l.n * l.inner + i;
      T dot = 0;
      for (std::int64_t k = 0; k < l.n; ++k) {
        const std::int64_t j = base + k * l.inner;
        dot += log ? gy[j] : gy[j] * y[j];
      }
      for (std::int64_t k = 0; k < l.n; ++k) {
        const std::int64_t j = base + k * l.inner;
        gx[j] = log ? gy[j] - std::exp(y[j]) * dot : y[j] * (gy[j] - dot);
      }
    }
}

}  // namespace soma::kernels
