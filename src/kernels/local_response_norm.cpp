// Local response normalization loops (see local_response_norm.h). The window follows PyTorch's
// F.local_response_norm: the squares are zero-padded by size / 2 channels before and
// (size - 1) / 2 after, then averaged over `size` channels, so the divisor is always `size`.
#include "kernels/local_response_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/parallel.h"

namespace soma::kernels {

template <class T>
void local_response_norm_forward(const T* x, const LrnGeometry& g, T* y, T* scale) {
  const std::int64_t C = g.C, S = g.S, before = g.size / 2, after = (g.size - 1) / 2;
  const T per = T(g.alpha / double(g.size)), k = T(g.k), beta = T(g.beta);
  parallel_for(g.N * C, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(S * g.size, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t nc = begin; nc < end; ++nc) {
                   const std::int64_t n = nc / C, c = nc % C;
                   const T* xn = x + n * C * S;
                   T* s = scale + nc * S;
                   std::fill(s, s + S, T(0));
                   const std::int64_t lo = std::max<std::int64_t>(0, c - before), hi = std::min(C - 1, c + after);
                   for (std::int64_t j = lo; j <= hi; ++j) {
                     const T* xj = xn + j * S;
                     for (std::int64_t i = 0; i < S; ++i) s[i] += xj[i] * xj[i];
                   }
                   const T* xc = xn + c * S;
                   T* yc = y + nc * S;
                   for (std::int64_t i = 0; i < S; ++i) {
                     s[i] = k + per * s[i];
                     yc[i] = xc[i] * std::pow(s[i], -beta);
                   }
                 }
               });
}

template <class T>
void local_response_norm_backward(const T* gy, const T* x, const T* scale, const LrnGeometry& g, T* gx) {
  const std::int64_t C = g.C, S = g.S, before = g.size / 2, after = (g.size - 1) / 2;
  const T beta = T(g.beta), coef = T(2 * g.alpha * g.beta / double(g.size));
  // t_c = gy_c x_c scale_c^(-beta-1), the part of channel c's output that flows back to its window.
  std::vector<T> t(std::size_t(g.N * C * S));
  parallel_for(g.N * C * S, kParallelGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) t[i] = gy[i] * x[i] * std::pow(scale[i], -beta - T(1));
  });
  parallel_for(g.N * C, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(S * g.size, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t nc = begin; nc < end; ++nc) {
                   const std::int64_t n = nc / C, j = nc % C;
                   // Channel j lies in the window of the channels c in [j - after, j + before].
                   const std::int64_t lo = std::max<std::int64_t>(0, j - after), hi = std::min(C - 1, j + before);
                   const T* xj = x + nc * S;
                   const T* sj = scale + nc * S;
                   const T* gyj = gy + nc * S;
                   T* gxj = gx + nc * S;
                   for (std::int64_t i = 0; i < S; ++i) gxj[i] = T(0);
                   for (std::int64_t c = lo; c <= hi; ++c) {
                     const T* tc = t.data() + (n * C + c) * S;
                     for (std::int64_t i = 0; i < S; ++i) gxj[i] += tc[i];
                   }
                   for (std::int64_t i = 0; i < S; ++i) gxj[i] = gyj[i] * std::pow(sj[i], -beta) - coef * xj[i] * gxj[i];
                 }
               });
}

template void local_response_norm_forward<float>(const float*, const LrnGeometry&, float*, float*);
template void local_response_norm_forward<double>(const double*, const LrnGeometry&, double*, double*);
template void local_response_norm_backward<float>(const float*, const float*, const float*, const LrnGeometry&, float*);
template void local_response_norm_backward<double>(const double*, const double*, const double*, const LrnGeometry&,
                                                   double*);

}  // namespace soma::kernels
