// parallel_for: OpenMP over a range, only when the range is big enough to pay for threads.
// for_each_chunk: deterministic mode's split (soma/core/threads.h), chunks whose result does
// not depend on which thread, or how many, ran them.
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

/// Calls f(c) for every chunk c in [0, chunks), on up to num_threads() threads, each call
/// with OpenMP's thread count set to 1: a library call inside f (oneDNN) then runs on its
/// thread alone, so a chunk's result depends on the chunk only. Inside a parallel region the
/// chunks run in turn. f must not throw (an exception cannot leave an OpenMP region).
template <class F>
void for_each_chunk(std::int64_t chunks, F&& f) {
  const int saved = omp_get_max_threads();
  const int threads = omp_in_parallel() ? 1 : int(std::min<std::int64_t>(saved, chunks));
  if (threads <= 1) {
    omp_set_num_threads(1);
    for (std::int64_t c = 0; c < chunks; ++c) f(c);
    omp_set_num_threads(saved);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    omp_set_num_threads(1);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < chunks; ++c) f(c);
  }
}

}  // namespace soma::kernels
