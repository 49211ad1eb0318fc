// add, sub, mul, div, maximum, minimum, neg: forward and backward side by side.
// Broadcast inputs get their gradient summed back to their own shape (reduce_to).
#include "soma/ops/arithmetic.h"

#include <cmath>

#include "ops/elementwise.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = map_binary(a, b, "add", [](auto x, auto z) { return x + z; });
  if (needs_grad(a, b))
    record(y, "add", {&a, &b}, [sa = a.shape(), sb = b.shape()](const Tensor& gy, Grads& g) {
      if (g.needed(0)) g[0] = reduce_to(gy, sa);
      if (g.needed(1)) g[1] = reduce_to(gy, sb);
    });
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = map_binary(a, b, "sub", [](auto x, auto z) { return x - z; });
  if (needs_grad(a, b))
    record(y, "sub", {&a, &b}, [sa = a.shape(), sb = b.shape()](const Tensor& gy, Grads& g) {
      if (g.needed(0)) g[0] = reduce_to(gy, sa);
      if (g.needed(1)) g[1] = reduce_to(neg(gy), sb);
    });
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = map_binary(a, b, "mul", [](auto x, auto z) { return x * z; });
  if (needs_grad(a, b))
    record(y, "mul", {&a, &b}, [a, b](const Tensor& gy, Grads& g) {  // inputs: no cycle
      if (g.needed(0)) g[0] = reduce_to(mul(gy, b), a.shape());
      if (g.needed(1)) g[1] = reduce_to(mul(gy, a), b.shape());
    });
  return y;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = map_binary(a, b, "div", [](auto x, auto z) { return x / z; });
  if (needs_grad(a, b))
    record(y, "div", {&a, &b}, [y = y.detach(), b = b.detach(), sa = a.shape()](const Tensor& gy, Grads& g) {
      // d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -y/b
      if (g.needed(0)) g[0] = reduce_to(div(gy, b), sa);
      if (g.needed(1))
        g[1] = reduce_to(map_binary(mul(gy, y), b, "div", [](auto gy_y, auto bv) { return -gy_y / bv; }),
                         b.shape());
    });
  return y;
}

namespace {
// maximum (pick_a(x, z) = x >= z) or minimum (x <= z): the gradient follows the chosen input.
// NOTE: at a tie each input gets half of it, as in PyTorch.
template <class Pick>
Tensor select_binary(const Tensor& a, const Tensor& b, const char* op, Pick pick_a) {
  Tensor y = map_binary(a, b, op, [=](auto x, auto z) { return pick_a(x, z) ? x : z; });
  if (needs_grad(a, b))
    record(y, op, {&a, &b}, [a = a.detach(), b = b.detach(), op, pick_a](const Tensor& gy, Grads& g) {
      const Tensor mask = map_binary(a, b, op, [=](auto x, auto z) {
        using T = decltype(x);
        return x == z ? T(0.5) : T(pick_a(x, z));
      });
      if (g.needed(0)) g[0] = reduce_to(mul(gy, mask), a.shape());
      if (g.needed(1)) g[1] = reduce_to(mul(gy, 1.0 - mask), b.shape());
    });
  return y;
}
}  // namespace

// NOTE: a NaN on either side wins, as in PyTorch (x >= z alone would drop a NaN in `a`).
Tensor maximum(const Tensor& a, const Tensor& b) {
  return select_binary(a, b, "maximum", [](auto x, auto z) { return x >= z || std::isnan(x); });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  return select_binary(a, b, "minimum", [](auto x, auto z) { return x <= z || std::isnan(x); });
}

Tensor neg(const Tensor& x) {
  Tensor y = map_unary(x, "neg", [](auto v) { return -v; });
  if (needs_grad(x)) record(y, "neg", {&x}, [](const Tensor& gy, Grads& g) { g[0] = neg(gy); });
  return y;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar(b, a.dtype())); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar(b, a.dtype())); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar(b, a.dtype())); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar(b, a.dtype())); }
Tensor operator+(double a, const Tensor& b) { return add(scalar(a, b.dtype()), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar(a, b.dtype()), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar(a, b.dtype()), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar(a, b.dtype()), b); }

}  // namespace soma
