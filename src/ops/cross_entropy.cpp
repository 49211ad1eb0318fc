// Softmax cross-entropy from logits [N, C]: one fused node (log-softmax, the pick or the
// dot with target probabilities, and the reduction) with a hand-written backward, rather
// than a chain of three nodes and their [N, C] intermediates. Targets are int64 class
// indices [N] or probabilities [N, C]. No class weights, ignore_index or label smoothing.
#include <algorithm>
#include <cmath>

#include "kernels/parallel.h"
#include "ops/class_target.h"
#include "soma/autograd/function.h"
#include "soma/ops/loss.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// Rows per thread chunk: about kParallelGrain elements, at least one row.
std::int64_t row_grain(std::int64_t C) { return std::max<std::int64_t>(1, kernels::kParallelGrain / std::max<std::int64_t>(C, 1)); }

// x is (N, C); exactly one of labels (N) and probs (N, C) is set. Writes each row's loss to
// row_loss (N) and, when `softmax` is set, the row's softmax to it (N, C) for backward.
// With m the row max and s = sum_c e^(x_c - m), log_softmax_c = (x_c - m) - log s, so
//   loss = (m - x_y) + log s                      for a label y,
//   loss = sum_c t_c ((m - x_c) + log s)          for probabilities t.
// Every exponent is <= 0, so logits of +-1000 neither overflow nor lose the answer, and
// m - x_c is exact when the two are close, which keeps small losses accurate in float32.
template <class T>
void cross_entropy_forward(const T* x, const std::int64_t* labels, const T* probs, std::int64_t N, std::int64_t C,
                           T* row_loss, T* softmax) {
  kernels::parallel_for(N, row_grain(C), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t n = begin; n < end; ++n) {
      const T* xr = x + n * C;
      const T m = *std::max_element(xr, xr + C);
      T s = 0;
      if (softmax) {
        T* pr = softmax + n * C;
        for (std::int64_t c = 0; c < C; ++c) s += pr[c] = std::exp(xr[c] - m);
        const T inv = 1 / s;
        for (std::int64_t c = 0; c < C; ++c) pr[c] *= inv;
      } else {
        for (std::int64_t c = 0; c < C; ++c) s += std::exp(xr[c] - m);
      }
      const T log_s = std::log(s);
      if (labels) {
        row_loss[n] = (m - xr[labels[n]]) + log_s;
      } else {
        const T* tr = probs + n * C;
        T loss = 0;
        for (std::int64_t c = 0; c < C; ++c) loss += tr[c] * ((m - xr[c]) + log_s);
        row_loss[n] = loss;
      }
    }
  });
}

// d loss_n / d x_nc = softmax_nc sum_c' t_nc' - t_nc, which is softmax - onehot for a label
// and softmax - t for probabilities that sum to 1. Each row is scaled by its upstream
// gradient: gy[n] for Reduction::none, else the scalar gy[0] times `scale` (1/N for mean).
template <class T>
void cross_entropy_backward(const T* softmax, const std::int64_t* labels, const T* probs, std::int64_t N,
                            std::int64_t C, const T* gy, bool per_row, T scale, T* gx) {
  kernels::parallel_for(N, row_grain(C), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t n = begin; n < end; ++n) {
      const T g = (per_row ? gy[n] : gy[0]) * scale;
      const T* pr = softmax + n * C;
      T* gr = gx + n * C;
      if (labels) {
        for (std::int64_t c = 0; c < C; ++c) gr[c] = pr[c] * g;
        gr[labels[n]] -= g;
      } else {
        const T* tr = probs + n * C;
        T mass = 0;
        for (std::int64_t c = 0; c < C; ++c) mass += tr[c];
        for (std::int64_t c = 0; c < C; ++c) gr[c] = (pr[c] * mass - tr[c]) * g;
      }
    }
  });
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_class_target({.op = "cross_entropy", .what = "logits"}, input, target);
  const std::int64_t N = input.size(0), C = input.size(1);
  const bool by_label = target.dtype() == DType::i64;
  const bool grad = needs_grad(input);
  // PyTorch would differentiate soft targets too; soma refuses rather than drop it silently.
  SOMA_CHECK(by_label || !needs_grad(target), "cross_entropy: the target probabilities require grad, but ",
             "cross_entropy gives no gradient to its target; pass target.detach() (or a soft target as data)");

  Tensor row_loss(Shape{N}, input.dtype());
  Tensor softmax = grad ? Tensor(input.shape(), input.dtype()) : Tensor();
  Tensor out = reduction == Reduction::none ? row_loss : Tensor(Shape{}, input.dtype());
  dispatch_floating(input.dtype(), "cross_entropy", [&]<class T>() {
    cross_entropy_forward(input.data<T>(), by_label ? target.data<std::int64_t>() : nullptr,
                          by_label ? nullptr : target.data<T>(), N, C, row_loss.data<T>(),
                          grad ? softmax.data<T>() : nullptr);
    if (reduction == Reduction::none) return;
    // A serial sum in a fixed order, so the loss does not depend on the thread count;
    // double keeps float32 batches accurate. mean over N = 0 gives NaN, as in PyTorch.
    const T* l = row_loss.data<T>();
    double total = 0;
    for (std::int64_t n = 0; n < N; ++n) total += l[n];
    out.data<T>()[0] = T(reduction == Reduction::mean ? total / double(N) : total);
  });

  if (grad)
    record(out, "cross_entropy", {&input},
           [softmax, t = target.detach(), by_label, reduction, N, C](const Tensor& gy, Grads& g) {
             g[0] = Tensor(softmax.shape(), softmax.dtype());
             dispatch_floating(softmax.dtype(), "cross_entropy", [&]<class T>() {
               const T scale = reduction == Reduction::mean ? T(1 / double(N)) : T(1);
               cross_entropy_backward(softmax.data<T>(), by_label ? t.data<std::int64_t>() : nullptr,
                                      by_label ? nullptr : t.data<T>(), N, C, gy.data<T>(),
                                      reduction == Reduction::none, scale, g[0].data<T>());
             });
           });
  return out;
}

}  // namespace soma
