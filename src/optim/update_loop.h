// The loop shape of every optimizer update: elementwise over the parameter, split across
// threads for large tensors (each element depends only on itself, so results do not depend
// on the thread count) and vectorized; option flags become compile-time constants so that the
// vectorized body has no branches. Private to src/optim.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/parallel.h"

namespace soma::optim::detail {

/// Calls f(std::bool_constant<b>...) for the runtime flags b..., so that an update loop can
/// test them with `if constexpr`.
template <class F>
void with_flags(F&& f) {
  f();
}
template <class F, class... Rest>
void with_flags(F&& f, bool first, Rest... rest) {
  if (first)
    with_flags([&](auto... c) { f(std::true_type{}, c...); }, rest...);
  else
    with_flags([&](auto... c) { f(std::false_type{}, c...); }, rest...);
}

/// Calls body(i) for i in [0, n). The body must touch only element i of each array.
template <class F>
void for_each_element(std::int64_t n, F&& body) {
  kernels::parallel_for(n, kernels::kParallelGrain, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace soma::optim::detail
