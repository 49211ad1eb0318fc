// The Adam moment update shared by Adam (L2 weight decay added to the gradient) and AdamW
// (decoupled decay of the parameter). Kingma & Ba, "Adam: A Method for Stochastic
// Optimization", ICLR 2015, with PyTorch 1.13's placement of eps: the bias-corrected update
// p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps). Private to src/optim;
// the loop itself is in adam_kernel.cpp.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "soma/core/error.h"

namespace soma::optim::detail {

/// Checks the options Adam and AdamW share; errors name `optimizer` and the option.
inline void check_adam_options(const char* optimizer, const std::array<double, 2>& betas, double eps,
                               double weight_decay) {
  for (int i = 0; i < 2; ++i)
    SOMA_CHECK(betas[i] >= 0 && betas[i] < 1, optimizer, ": betas[", i, "] must be in [0, 1), got ", betas[i]);
  SOMA_CHECK(eps >= 0, optimizer, ": eps must be >= 0, got ", eps);
  SOMA_CHECK(weight_decay >= 0, optimizer, ": weight_decay must be >= 0, got ", weight_decay);
}

/// The per-parameter state slots of Adam and AdamW.
inline std::vector<std::string> adam_state_names(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

/// Scalars of one Adam step, computed in double once per step.
struct AdamStep {
  double beta1, beta2, eps;
  double step_size;              ///< lr / (1 - beta1^t)
  double bias_correction2_sqrt;  ///< sqrt(1 - beta2^t)
  double l2;                     ///< Adam's weight decay, added to the gradient (0: none)
  double decoupled_factor;       ///< AdamW's factor 1 - lr * weight_decay on p (1: none)
};

/// Scalars for step `t` (from 1).
inline AdamStep adam_step(double lr, double beta1, double beta2, double eps, std::int64_t t, double l2,
                          double decoupled_factor) {
  const double bias_correction1 = 1 - std::pow(beta1, double(t));
  const double bias_correction2 = 1 - std::pow(beta2, double(t));
  return {beta1, beta2, eps, lr / bias_correction1, std::sqrt(bias_correction2), l2, decoupled_factor};
}

/// One Adam update of n elements. p: parameter, g: gradient, m: first moment (exp_avg),
/// v: second moment (exp_avg_sq), v_max: running maximum of v for AMSGrad (null without).
/// For float and double (adam_kernel.cpp, vectorized for the CPU's widest vectors).
template <class T>
void adam_update(T* p, const T* g, T* m, T* v, T* v_max, std::int64_t n, const AdamStep& s);

}  // namespace soma::optim::detail
