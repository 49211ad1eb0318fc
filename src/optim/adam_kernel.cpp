// The Adam moment update of adam_kernel.h. The loop is compiled once per vector width
// (kernels/multiversion.h): in a Release build without -march flags it ran 4-wide SSE and took
// 27% of benchmark B6's training step (docs/performance.md). Option flags are template
// parameters, so each compiled loop has no branches.
#include <cmath>
#include <type_traits>

#include "kernels/multiversion.h"
#include "optim/adam_kernel.h"
#include "optim/update_loop.h"

namespace soma::optim::detail {
namespace {

template <class T>
struct AdamArrays {
  T* p;
  const T* g;
  T* m;
  T* v;
  T* v_max;
};

// The step's scalars in T, as the loop uses them.
template <class T>
struct AdamScalars {
  T beta1, beta2, one_minus_beta1, one_minus_beta2, eps, neg_step_size, bias_correction2_sqrt, l2, factor;
  explicit AdamScalars(const AdamStep& s)
      : beta1(T(s.beta1)), beta2(T(s.beta2)), one_minus_beta1(T(1 - s.beta1)), one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)), neg_step_size(T(-s.step_size)), bias_correction2_sqrt(T(s.bias_correction2_sqrt)),
        l2(T(s.l2)), factor(T(s.decoupled_factor)) {}
};

// Elements [begin, end). The arrays and scalars are copied to locals so that the compiler
// keeps them in registers (stores through p could otherwise alias them).
template <class T, bool UseL2, bool Decoupled, bool Amsgrad>
SOMA_MULTIVERSION void adam_range(AdamArrays<T> a, AdamScalars<T> c, std::int64_t begin, std::int64_t end) {
  T* p = a.p;
  const T* g = a.g;
  T *m = a.m, *v = a.v, *v_max = a.v_max;
  const T beta1 = c.beta1, beta2 = c.beta2, one_minus_beta1 = c.one_minus_beta1;
  const T one_minus_beta2 = c.one_minus_beta2, eps = c.eps, neg_step_size = c.neg_step_size;
  const T bias_correction2_sqrt = c.bias_correction2_sqrt, l2 = c.l2, factor = c.factor;
#pragma omp simd
  for (std::int64_t i = begin; i < end; ++i) {
    T d = g[i];
    if constexpr (UseL2) d += l2 * p[i];
    if constexpr (Decoupled) p[i] *= factor;
    m[i] = m[i] * beta1 + one_minus_beta1 * d;
    v[i] = v[i] * beta2 + one_minus_beta2 * d * d;
    T second = v[i];
    if constexpr (Amsgrad) {
      // NOTE: like torch.maximum, a NaN in either operand propagates.
      v_max[i] = v[i] != v[i] || v[i] > v_max[i] ? v[i] : v_max[i];
      second = v_max[i];
    }
    p[i] += neg_step_size * m[i] / (std::sqrt(second) / bias_correction2_sqrt + eps);
  }
}

}  // namespace

template <class T>
void adam_update(T* p, const T* g, T* m, T* v, T* v_max, std::int64_t n, const AdamStep& s) {
  const AdamArrays<T> arrays{p, g, m, v, v_max};
  const AdamScalars<T> scalars(s);
  with_flags(
      [&](auto use_l2, auto decoupled, auto amsgrad) {
        // Each element depends only on itself: the result does not depend on the thread count.
        kernels::parallel_for(n, kernels::kParallelGrain, [&](std::int64_t begin, std::int64_t end) {
          adam_range<T, decltype(use_l2)::value, decltype(decoupled)::value, decltype(amsgrad)::value>(
              arrays, scalars, begin, end);
        });
      },
      s.l2 != 0, s.decoupled_factor != 1, v_max != nullptr);
}

template void adam_update<float>(float*, const float*, float*, float*, float*, std::int64_t, const AdamStep&);
template void adam_update<double>(double*, const double*, double*, double*, double*, std::int64_t, const AdamStep&);

}  // namespace soma::optim::detail
