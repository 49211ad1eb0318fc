// Elementwise losses: forward and backward side by side. Each computes the per-element loss
// and reduces it in the same node, whose backward scales the derivative in the input.
// Softmax cross-entropy is a fused node of its own, in ops/cross_entropy.cpp.
#include "soma/ops/loss.h"

#include <algorithm>
#include <cmath>

#include "ops/elementwise.h"
#include "soma/ops/reduction.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_pair(const Tensor& input, const Tensor& target, const char* op) {
  check_binary(input, target, op);
  SOMA_CHECK(is_floating(input.dtype()), op, ": expected float32 or float64 input and target, got ",
             name_of(input.dtype()), " with shapes ", input.shape(), " and ", target.shape());
  SOMA_CHECK(input.shape() == target.shape(), op, ": input shape ", input.shape(), " and target shape ",
             target.shape(), " differ");
}


// A loss that is a function f(x, t) per element with derivatives dfx(x, t) in the input and
// dft(x, t) in the target (a target that requires grad gets one, as in PyTorch).
// Reduced by mean or sum, it is one node that never forms the per-element losses: a separate
// reduction node cost a training step of a small network (B1, XOR) two tensors and a node
// more. The float32 values are those of the two-node form: each element's loss rounded to T,
// summed in float64, scaled; the gradient (gy * T(scale)) * dfx.
// The inputs are saved as they are, not detached: the node of an input never leads back to
// this one, so they form no cycle (an output saved by its own node would).
template <class F, class DFX, class DFT>
Tensor elementwise_loss(const Tensor& input, const Tensor& target, Reduction reduction, const char* op, F f, DFX dfx,
                        DFT dft) {
  check_pair(input, target, op);
  const std::int64_t n = input.numel();
  if (reduction == Reduction::none || n == 0) {
    Tensor losses = map_same(input, target, f);
    if (needs_grad(input, target))
      record(losses, op, {&input, &target}, [x = input, t = target, dfx, dft](const Tensor& gy, Grads& g) {
        if (g.needed(0)) g[0] = map_same(gy, x, t, [dfx](auto gv, auto xv, auto tv) { return gv * dfx(xv, tv); });
        if (g.needed(1)) g[1] = map_same(gy, x, t, [dft](auto gv, auto xv, auto tv) { return gv * dft(xv, tv); });
      });
    return reduce_loss(losses, reduction);
  }
  const double scale = reduction == Reduction::mean ? 1.0 / double(n) : 1.0;
  Tensor loss(Shape{}, input.dtype());
  dispatch_floating(input.dtype(), op, [&]<class T>() {
    const T *px = input.data<T>(), *pt = target.data<T>();
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += double(T(f(px[i], pt[i])));
    *loss.data<T>() = T(sum * scale);
  });
  if (needs_grad(input, target))
    record(loss, op, {&input, &target}, [x = input, t = target, scale, dfx, dft](const Tensor& gy, Grads& g) {
      dispatch_floating(gy.dtype(), "backward", [&]<class T>() {
        const T gs = *gy.data<T>() * T(scale);
        if (g.needed(0)) g[0] = map_same(x, t, [gs, dfx](auto xv, auto tv) { return gs * dfx(xv, tv); });
        if (g.needed(1)) g[1] = map_same(x, t, [gs, dft](auto xv, auto tv) { return gs * dft(xv, tv); });
      });
    });
  return loss;
}

// A loss of the difference d = x - t alone: its derivative in t is minus that in x.
template <class F, class DF>
Tensor difference_loss(const Tensor& input, const Tensor& target, Reduction reduction, const char* op, F f, DF df) {
  return elementwise_loss(input, target, reduction, op, f, df, [df](auto x, auto t) { return -df(x, t); });
}

// d|d|/dd with PyTorch's sign(0) = 0, so a residual of exactly zero pulls nowhere.
template <class T>
T sign(T d) {
  return d > 0 ? T(1) : d < 0 ? T(-1) : T(0);
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return difference_loss(
      input, target, reduction, "mse_loss", [](auto x, auto t) { return (x - t) * (x - t); },
      [](auto x, auto t) { return 2 * (x - t); });
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return difference_loss(
      input, target, reduction, "l1_loss", [](auto x, auto t) { return std::abs(x - t); },
      [](auto x, auto t) { return sign(x - t); });
}

// loss = -(t log p + (1 - t) log(1 - p)), each log clamped at -100 so that p = 0 or 1 costs
// 100 rather than inf (PyTorch's rule). log(1 - p) is taken as log1p(-p), exact for small p.
// NOTE: the gradient is PyTorch's (p - t) / max(p (1 - p), 1e-12), not the derivative of
// the clamped loss: at p = 0 with t = 1 it is -1e12, which keeps pushing p up, where the
// clamp's true derivative, 0, would leave a saturated unit stuck.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction) {
  constexpr const char* op = "binary_cross_entropy";
  check_pair(input, target, op);
  const std::int64_t bad = first_bad(input, [](auto p) { return !(p >= 0 && p <= 1); });
  if (bad >= 0) {
    const Tensor flat = input.to(DType::f64);
    detail::throw_error(op, ": input must hold probabilities in [0, 1], but element ", bad, " is ",
                        flat.data<double>()[bad], " (for raw scores use binary_cross_entropy_with_logits)");
  }
  return elementwise_loss(
      input, target, reduction, op,
      [](auto p, auto t) {
        using T = decltype(p);
        const T log_p = std::max(std::log(p), T(-100));
        const T log_q = std::max(std::log1p(-p), T(-100));
        return -(t * log_p + (1 - t) * log_q);
      },
      [](auto p, auto t) {
        using T = decltype(p);
        return (p - t) / std::max(p * (1 - p), T(1e-12));
      },
      [](auto p, auto t) {  // d/dt of the clamped loss: log(1 - p) - log p
        using T = decltype(p);
        return std::max(std::log1p(-p), T(-100)) - std::max(std::log(p), T(-100));
      });
}

// With s = sigmoid(x): -(t log s + (1 - t) log(1 - s)) = (1 - t) x + log(1 + e^-x)
//                     = max(x, 0) - x t + log1p(e^-|x|),
// where e^-|x| <= 1 never overflows and log1p keeps its digits when it underflows toward 0.
// Gradient: s - t, with s formed from e^-|x| too, so it is exact at both tails.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction) {
  return elementwise_loss(
      input, target, reduction, "binary_cross_entropy_with_logits",
      [](auto x, auto t) {
        using T = decltype(x);
        return std::max(x, T(0)) - x * t + std::log1p(std::exp(-std::abs(x)));
      },
      [](auto x, auto t) {
        using T = decltype(x);
        const T e = std::exp(-std::abs(x));
        const T s = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        return s - t;
      },
      [](auto x, auto t) { return -x; });
}

// max(0, margin - t x); d/dx = -t where the margin is violated, else 0 (0 at the kink, as
// relu at 0).
Tensor hinge_loss(const Tensor& input, const Tensor& target, double margin, Reduction reduction) {
  constexpr const char* op = "hinge_loss";
  check_pair(input, target, op);
  // NOTE: {0, 1} labels are the usual mistake here: t = 0 gives a constant loss and no
  // gradient, so the model silently never learns. Refuse them.
  const std::int64_t bad = first_bad(target, [](auto t) { return !(t == 1 || t == -1); });
  if (bad >= 0) {
    const Tensor flat = target.to(DType::f64);
    detail::throw_error(op, ": targets must be -1 or 1, but element ", bad, " of target (shape ", target.shape(),
                        ") is ", flat.data<double>()[bad], " (for {0, 1} labels pass 2 t - 1)");
  }
  // Targets are -1 or 1, never a point of a slope: a target that requires grad is a mistake.
  SOMA_CHECK(!needs_grad(target), op, ": the target requires grad, but hinge targets are -1 or 1 and have no ",
             "gradient; pass target.detach()");
  return elementwise_loss(
      input, target, reduction, op,
      [margin](auto x, auto t) {
        using T = decltype(x);
        return std::max(T(margin) - t * x, T(0));
      },
      [margin](auto x, auto t) {
        using T = decltype(x);
        return T(margin) - t * x > 0 ? -t : T(0);
      },
      [](auto x, auto t) { return decltype(x)(0); });  // never asked: refused above
}

// d = x - t: 0.5 d^2 inside |d| < delta, delta (|d| - 0.5 delta) outside; the two pieces
// meet with equal value and slope (delta sign(d)) at |d| = delta, so the gradient is d
// clipped to [-delta, delta].
Tensor huber_loss(const Tensor& input, const Tensor& target, double delta, Reduction reduction) {
  SOMA_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  return difference_loss(
      input, target, reduction, "huber_loss",
      [delta](auto x, auto t) {
        using T = decltype(x);
        const T d = std::abs(x - t), k = T(delta);
        return d < k ? T(0.5) * d * d : k * (d - T(0.5) * k);
      },
      [delta](auto x, auto t) {
        using T = decltype(x);
        return std::clamp(x - t, T(-delta), T(delta));
      });
}

// Huber divided by beta: 0.5 d^2 / beta inside |d| < beta, |d| - 0.5 beta outside; gradient
// d / beta inside and sign(d) outside. beta = 0 leaves only the outer piece: l1_loss, as in
// PyTorch (the inner branch, with its division, is then never taken).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, double beta, Reduction reduction) {
  SOMA_CHECK(beta >= 0, "smooth_l1_loss: beta must not be negative, got ", beta);
  return difference_loss(
      input, target, reduction, "smooth_l1_loss",
      [beta](auto x, auto t) {
        using T = decltype(x);
        const T d = std::abs(x - t), b = T(beta);
        return d < b ? T(0.5) * d * d / b : d - T(0.5) * b;
      },
      [beta](auto x, auto t) {
        using T = decltype(x);
        const T d = x - t, b = T(beta);
        return std::abs(d) < b ? d / b : sign(d);
      });
}

}  // namespace soma
