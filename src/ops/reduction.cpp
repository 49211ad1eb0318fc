// sum, mean, max, min, argmax: forward and backward side by side. A reduction over `axis`
// sees the tensor as [outer, n, inner] and writes [outer, inner]; "all" is the case
// outer = inner = 1.
#include "soma/ops/reduction.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/lanes.h"
#include "ops/elementwise.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;
using kernels::Lanes;

namespace {

Lanes all_lanes(const Tensor& x) { return Lanes{1, x.numel(), 1}; }

Shape reduced_shape(const Shape& s, int axis, bool keepdim) {
  Shape out;
  for (int i = 0; i < s.dim(); ++i)
    if (i != axis) out.push_back(s[i]);
    else if (keepdim) out.push_back(1);
  return out;
}

// out[o, i] = (sum over k of x[o, k, i]) * scale; gradient: gx[o, k, i] = gy[o, i] * scale.
// NOTE: float32 is summed in a float64 buffer: a running float32 sum of 10^6 values of 0.1
// ends at 100958 (1% off); PyTorch's cascade sum stays within float32 rounding of 10^5.
Tensor sum_lanes(const Tensor& x, Lanes l, const Shape& out_shape, double scale, const char* op) {
  Tensor y(out_shape, x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    // The float64 sums: y itself for double, else a buffer (on the stack when small).
    constexpr std::int64_t kOnStack = 16;
    double on_stack[kOnStack];
    const std::int64_t outputs = l.outer * l.inner;
    double* pa = on_stack;
    Tensor acc;
    if constexpr (std::is_same_v<T, double>) {
      pa = py;
    } else if (outputs > kOnStack) {
      acc = Tensor(out_shape, DType::f64);
      pa = acc.data<double>();
    }
    std::fill(pa, pa + outputs, 0.0);
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t k = 0; k < l.n; ++k)
        for (std::int64_t i = 0; i < l.inner; ++i) pa[o * l.inner + i] += px[(o * l.n + k) * l.inner + i];
    for (std::int64_t j = 0; j < outputs; ++j) py[j] = T(pa[j] * scale);
  });
  if (needs_grad(x))
    record(y, op, {&x}, [shape = x.shape(), l, scale](const Tensor& gy, Grads& g) {
      g[0] = Tensor(shape, gy.dtype());
      dispatch_floating(gy.dtype(), "sum", [&]<class T>() {
        const T* pg = gy.data<T>();
        T* px = g[0].data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
          for (std::int64_t k = 0; k < l.n; ++k)
            for (std::int64_t i = 0; i < l.inner; ++i) px[(o * l.n + k) * l.inner + i] = pg[o * l.inner + i] * T(scale);
      });
    });
  return y;
}

// Whether a beats b for max (sign +1) or min (sign -1). NOTE: a NaN beats any number, so
// max/min/argmax propagate NaN as PyTorch does (a plain a > b never picks a NaN).
template <class T>
bool beats(T a, T b, int sign) {
  return (sign > 0 ? a > b : a < b) || (std::isnan(a) && !std::isnan(b));
}

// Index k of the first best element in each lane (better(a, b): a beats b).
template <class T, class Better>
std::vector<std::int64_t> best_in_lanes(const T* px, Lanes l, Better better) {
  std::vector<std::int64_t> best(l.outer * l.inner, 0);
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t i = 0; i < l.inner; ++i) {
      std::int64_t b = 0;
      for (std::int64_t k = 1; k < l.n; ++k)
        if (better(px[(o * l.n + k) * l.inner + i], px[(o * l.n + b) * l.inner + i])) b = k;
      best[o * l.inner + i] = b;
    }
  return best;
}

// max (sign +1) or min (sign -1) over lanes; the gradient flows to the chosen element.
Tensor extreme_lanes(const Tensor& x, Lanes l, const Shape& out_shape, int sign, const char* op) {
  SOMA_CHECK(l.n > 0, op, ": cannot reduce an empty axis of shape ", x.shape());
  Tensor y(out_shape, x.dtype());
  std::vector<std::int64_t> index;
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    const T* px = x.data<T>();
    index = best_in_lanes(px, l, [sign](T a, T b) { return beats(a, b, sign); });
    T* py = y.data<T>();
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) py[o * l.inner + i] = px[(o * l.n + index[o * l.inner + i]) * l.inner + i];
  });
  if (needs_grad(x))
    record(y, op, {&x}, [shape = x.shape(), l, index = std::move(index)](const Tensor& gy, Grads& g) {
      g[0] = zeros(shape, gy.dtype());
      dispatch_floating(gy.dtype(), "max", [&]<class T>() {
        const T* pg = gy.data<T>();
        T* px = g[0].data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
          for (std::int64_t i = 0; i < l.inner; ++i)
            px[(o * l.n + index[o * l.inner + i]) * l.inner + i] = pg[o * l.inner + i];
      });
    });
  return y;
}

// max (sign +1) or min (sign -1) of all elements. NOTE: as in PyTorch, the gradient is split
// evenly between tied elements here, while along an axis it goes to the one index chosen.
Tensor extreme_all(const Tensor& x, int sign, const char* op) {
  SOMA_CHECK(x.numel() > 0, op, ": cannot reduce an empty tensor of shape ", x.shape());
  Tensor y(Shape{}, x.dtype());
  std::vector<std::int64_t> ties;
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    const T* px = x.data<T>();
    const auto better = [sign](T a, T b) { return beats(a, b, sign); };
    const std::int64_t best = best_in_lanes(px, all_lanes(x), better)[0];
    *y.data<T>() = px[best];
    for (std::int64_t k = 0; k < x.numel(); ++k)
      if (px[k] == px[best]) ties.push_back(k);
    if (ties.empty()) ties.push_back(best);  // a NaN maximum equals nothing, itself included
  });
  if (needs_grad(x))
    record(y, op, {&x}, [shape = x.shape(), ties = std::move(ties)](const Tensor& gy, Grads& g) {
      g[0] = zeros(shape, gy.dtype());
      dispatch_floating(gy.dtype(), "max", [&]<class T>() {
        const T share = *gy.data<T>() / T(ties.size());
        T* px = g[0].data<T>();
        for (std::int64_t k : ties) px[k] = share;
      });
    });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x) { return sum_lanes(x, all_lanes(x), Shape{}, 1, "sum"); }

Tensor sum(const Tensor& x, int axis, bool keepdim) {
  const auto l = kernels::axis_lanes(x.shape(), axis, "sum");
  return sum_lanes(x, l, reduced_shape(x.shape(), x.shape().axis(axis), keepdim), 1, "sum");
}

Tensor mean(const Tensor& x) {
  SOMA_CHECK(x.numel() > 0, "mean: the tensor is empty");
  return sum_lanes(x, all_lanes(x), Shape{}, 1.0 / double(x.numel()), "mean");
}

Tensor mean(const Tensor& x, int axis, bool keepdim) {
  const auto l = kernels::axis_lanes(x.shape(), axis, "mean");
  SOMA_CHECK(l.n > 0, "mean: cannot average an empty axis of shape ", x.shape());
  return sum_lanes(x, l, reduced_shape(x.shape(), x.shape().axis(axis), keepdim), 1.0 / double(l.n), "mean");
}

Tensor max(const Tensor& x) { return extreme_all(x, +1, "max"); }
Tensor min(const Tensor& x) { return extreme_all(x, -1, "min"); }

Tensor max(const Tensor& x, int axis, bool keepdim) {
  const auto l = kernels::axis_lanes(x.shape(), axis, "max");
  return extreme_lanes(x, l, reduced_shape(x.shape(), x.shape().axis(axis), keepdim), +1, "max");
}

Tensor min(const Tensor& x, int axis, bool keepdim) {
  const auto l = kernels::axis_lanes(x.shape(), axis, "min");
  return extreme_lanes(x, l, reduced_shape(x.shape(), x.shape().axis(axis), keepdim), -1, "min");
}

namespace {
Tensor argmax_lanes(const Tensor& x, Lanes l, const Shape& out_shape) {
  SOMA_CHECK(l.n > 0, "argmax: cannot reduce an empty axis of shape ", x.shape());
  Tensor y(out_shape, DType::i64);
  dispatch_floating(x.dtype(), "argmax", [&]<class T>() {
    const auto index = best_in_lanes(x.data<T>(), l, [](T a, T b) { return beats(a, b, +1); });
    std::copy(index.begin(), index.end(), y.data<std::int64_t>());
  });
  return y;
}
}  // namespace

Tensor argmax(const Tensor& x, int axis, bool keepdim) {
  const auto l = kernels::axis_lanes(x.shape(), axis, "argmax");
  return argmax_lanes(x, l, reduced_shape(x.shape(), x.shape().axis(axis), keepdim));
}

Tensor argmax(const Tensor& x) { return argmax_lanes(x, all_lanes(x), Shape{}); }

}  // namespace soma
