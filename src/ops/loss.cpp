// Losses: forward and backward side by side. Elementwise losses compute the per-element
// loss and its derivative in one pass, then reduce; the reduction's gradient scales it.
#include "soma/ops/loss.h"

#include "ops/elementwise.h"
#include "soma/ops/reduction.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_pair(const Tensor& input, const Tensor& target, const char* op) {
  check_binary(input, target, op);
  SOMA_CHECK(input.shape() == target.shape(), op, ": input shape ", input.shape(), " and target shape ",
             target.shape(), " differ");
}

Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::mean: return mean(losses);
    case Reduction::sum: return sum(losses);
    default: return losses;
  }
}

// A loss that is a function f(x, t) per element with derivative df(x, t) in x.
template <class F, class DF>
Tensor elementwise_loss(const Tensor& input, const Tensor& target, Reduction reduction, const char* op, F f, DF df) {
  check_pair(input, target, op);
  Tensor losses = map_same(input, target, f);
  if (needs_grad(input))
    record(losses, op, {&input}, [x = input.detach(), t = target.detach(), df](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, x, t, [df](auto gv, auto xv, auto tv) { return gv * df(xv, tv); });
    });
  return reduce(losses, reduction);
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return elementwise_loss(
      input, target, reduction, "mse_loss", [](auto x, auto t) { return (x - t) * (x - t); },
      [](auto x, auto t) { return 2 * (x - t); });
}

}  // namespace soma
