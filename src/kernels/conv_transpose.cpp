// Bias loops of the transposed convolution (see conv_transpose.h). Planes are independent for
// the broadcast, so it runs on threads; the sums run per channel over the batch in a fixed
// order, so that a result never depends on the thread count.
#include "kernels/conv_transpose.h"

#include <algorithm>

#include "kernels/parallel.h"

namespace soma::kernels {

template <class T>
void add_channel_bias(std::int64_t N, std::int64_t C, std::int64_t P, const T* b, T* y) {
  parallel_for(N * C, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(P, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t plane = begin; plane < end; ++plane) {
                   const T v = b[plane % C];
                   T* row = y + plane * P;
                   for (std::int64_t p = 0; p < P; ++p) row[p] += v;
                 }
               });
}

template <class T>
void sum_channels(std::int64_t N, std::int64_t C, std::int64_t P, const T* gy, T* gb) {
  parallel_for(C, std::max<std::int64_t>(1, kParallelGrain / std::max<std::int64_t>(N * P, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t c = begin; c < end; ++c) {
                   T total = 0;
                   for (std::int64_t n = 0; n < N; ++n) {
                     const T* row = gy + (n * C + c) * P;
                     T acc = 0;
                     for (std::int64_t p = 0; p < P; ++p) acc += row[p];
                     total += acc;
                   }
                   gb[c] = total;
                 }
               });
}

template void add_channel_bias<float>(std::int64_t, std::int64_t, std::int64_t, const float*, float*);
template void add_channel_bias<double>(std::int64_t, std::int64_t, std::int64_t, const double*, double*);
template void sum_channels<float>(std::int64_t, std::int64_t, std::int64_t, const float*, float*);
template void sum_channels<double>(std::int64_t, std::int64_t, std::int64_t, const double*, double*);

}  // namespace soma::kernels
