// Gradient clipping by total norm and by value (torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_). The total norm is the norm of the per-parameter norms, as PyTorch
// computes it, accumulated in double for both dtypes.
#include "soma/optim/clip_grad.h"

#include <cmath>

#include "optim/update_loop.h"

namespace soma::optim {

namespace {
// max(a, b), NaN when either is NaN (as torch's max reductions).
double nan_max(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : (a > b ? a : b); }

// The `norm_type`-norm of one gradient, in double. Infinity gives the largest magnitude
// (NaN if any element is NaN, as torch's max).
double norm_of(const Tensor& g, double norm_type) {
  return dispatch_floating(g.dtype(), "clip_grad_norm", [&]<class T>() {
    const T* x = g.data<T>();
    const std::int64_t n = g.numel();
    double acc = 0;
    if (std::isinf(norm_type)) {
      for (std::int64_t i = 0; i < n; ++i) acc = nan_max(acc, std::abs(double(x[i])));
      return acc;
    }
    if (norm_type == 1) {
      for (std::int64_t i = 0; i < n; ++i) acc += std::abs(double(x[i]));
      return acc;
    }
    if (norm_type == 2) {
      for (std::int64_t i = 0; i < n; ++i) acc += double(x[i]) * double(x[i]);
      return std::sqrt(acc);
    }
    for (std::int64_t i = 0; i < n; ++i) acc += std::pow(std::abs(double(x[i])), norm_type);
    return std::pow(acc, 1 / norm_type);
  });
}
}  // namespace

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  SOMA_CHECK(max_norm >= 0, "clip_grad_norm: max_norm must be >= 0, got ", max_norm);
  SOMA_CHECK(norm_type > 0, "clip_grad_norm: norm_type must be > 0 (or infinity), got ", norm_type);
  std::vector<double> norms;
  norms.reserve(params.size());
  for (const auto& p : params) {
    const Tensor g = p.grad();
    if (g.defined()) norms.push_back(norm_of(g, norm_type));
  }
  if (norms.empty()) return 0;
  double total = 0;
  if (std::isinf(norm_type)) {
    for (double v : norms) total = nan_max(total, v);
  } else if (norm_type == 2) {
    for (double v : norms) total += v * v;
    total = std::sqrt(total);
  } else {
    for (double v : norms) total += std::pow(v, norm_type);
    total = std::pow(total, 1 / norm_type);
  }
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1) {
    for (const auto& p : params) {
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      dispatch_floating(g.dtype(), "clip_grad_norm", [&]<class T>() {
        T* x = g.data<T>();
        const T c = T(coef);
        detail::for_each_element(g.numel(), [&](std::int64_t i) { x[i] *= c; });
      });
    }
  }
  return total;
}

void clip_grad_value(const std::vector<Tensor>& params, double clip_value) {
  SOMA_CHECK(clip_value >= 0, "clip_grad_value: clip_value must be >= 0, got ", clip_value);
  for (const auto& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    dispatch_floating(g.dtype(), "clip_grad_value", [&]<class T>() {
      T* x = g.data<T>();
      const T hi = T(clip_value), lo = -hi;
      // NOTE: NaN stays NaN, as torch.clamp leaves it.
      detail::for_each_element(g.numel(), [&](std::int64_t i) { x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]); });
    });
  }
}

}  // namespace soma::optim
