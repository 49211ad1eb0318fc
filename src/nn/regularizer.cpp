// Regularizer: Keras' L1/L2 penalties written with soma's ops (abs, mul, sum), so their
// gradient reaches the weight through the ordinary graph: d/dw l1 |w| = l1 sign(w) (0 at 0,
// as Keras and PyTorch), d/dw l2 w^2 = 2 l2 w.
#include "soma/nn/regularizer.h"

#include <cmath>

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"

namespace soma::nn {
namespace {

void check_coefficient(double v, const char* name) {
  SOMA_CHECK(std::isfinite(v) && v >= 0, "Regularizer: ", name, " must be a finite number >= 0, got ", v);
}

}  // namespace

void Regularizer::check() const {
  check_coefficient(l1, "l1");
  check_coefficient(l2, "l2");
}

Tensor Regularizer::operator()(const Tensor& w) const {
  check();
  SOMA_CHECK(w.defined() && is_floating(w.dtype()), "Regularizer: expected a float32 or float64 weight");
  Tensor penalty;
  if (l1 > 0) penalty = sum(abs(w)) * l1;
  if (l2 > 0) {
    Tensor term = sum(w * w) * l2;
    penalty = penalty.defined() ? penalty + term : term;
  }
  // Both coefficients 0: a constant 0, so callers can add it unconditionally.
  return penalty.defined() ? penalty : scalar(0, w.dtype());
}

Regularizer l1(double l1) {
  check_coefficient(l1, "l1");
  return Regularizer{.l1 = l1};
}

Regularizer l2(double l2) {
  check_coefficient(l2, "l2");
  return Regularizer{.l2 = l2};
}

Regularizer l1_l2(double l1, double l2) {
  const Regularizer r{.l1 = l1, .l2 = l2};
  r.check();
  return r;
}

}  // namespace soma::nn
