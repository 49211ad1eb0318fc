// parallel_for: OpenMP over a range, only when the range is big enough to pay for threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace soma::kernels {

/// Elementwise loops below this many elements stay on one thread.
constexpr std::int64_t kParallelGrain = 1 << 15;

/// Calls f(begin, end) over [0, n) in chunks, on several threads when n >= grain.
template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& f) {
  const int threads = n >= grain ? std::min<std::int64_t>(omp_get_max_threads(), n / grain + 1) : 1;
  if (threads <= 1) {
    f(std::int64_t(0), n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) f(begin, end);
  }
}

}  // namespace soma::kernels
