// exp, log, pow, sqrt, abs, clamp: forward and backward side by side.
#include "soma/ops/math.h"

#include <cmath>

#include "ops/elementwise.h"
#include "soma/ops/arithmetic.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

Tensor exp(const Tensor& x) {
  Tensor y = map_unary(x, "exp", [](auto v) { return std::exp(v); });
  if (needs_grad(x))  // d e^x = e^x: keep the output, not the input
    record(y, "exp", {&x}, [y = y.detach()](const Tensor& gy, Grads& g) { g[0] = mul(gy, y); });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = map_unary(x, "log", [](auto v) { return std::log(v); });
  if (needs_grad(x)) record(y, "log", {&x}, [x = x.detach()](const Tensor& gy, Grads& g) { g[0] = div(gy, x); });
  return y;
}

Tensor pow(const Tensor& x, double p) {
  Tensor y = map_unary(x, "pow", [p](auto v) { return std::pow(v, decltype(v)(p)); });
  if (needs_grad(x))
    record(y, "pow", {&x}, [x = x.detach(), p](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, x, [p](auto gv, auto v) {
        using T = decltype(v);
        return p == 0 ? T(0) : gv * T(p) * std::pow(v, T(p - 1));
      });
    });
  return y;
}

Tensor sqrt(const Tensor& x) {
  Tensor y = map_unary(x, "sqrt", [](auto v) { return std::sqrt(v); });
  if (needs_grad(x))
    record(y, "sqrt", {&x}, [y = y.detach()](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, y, [](auto gv, auto yv) { return gv / (2 * yv); });
    });
  return y;
}

Tensor abs(const Tensor& x) {
  Tensor y = map_unary(x, "abs", [](auto v) { return std::abs(v); });
  if (needs_grad(x))
    record(y, "abs", {&x}, [x = x.detach()](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, x, [](auto gv, auto v) { return v > 0 ? gv : v < 0 ? -gv : decltype(v)(0); });
    });
  return y;
}

Tensor clamp(const Tensor& x, double min, double max) {
  SOMA_CHECK(min <= max, "clamp: min (", min, ") must not exceed max (", max, ")");
  Tensor y = map_unary(x, "clamp", [=](auto v) {
    using T = decltype(v);
    return v < T(min) ? T(min) : v > T(max) ? T(max) : v;
  });
  if (needs_grad(x))
    record(y, "clamp", {&x}, [x = x.detach(), min, max](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, x, [=](auto gv, auto v) {
        using T = decltype(v);
        return v >= T(min) && v <= T(max) ? gv : T(0);
      });
    });
  return y;
}

}  // namespace soma
