// AdamW: Adam with decoupled weight decay, p <- p (1 - lr * weight_decay) before the Adam
// step, instead of an L2 term in the gradient. Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019; update as torch.optim.AdamW (PyTorch 1.13 docs).
#pragma once

#include <array>

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct AdamWOptions {
  double lr = 1e-3;                           ///< learning rate (>= 0)
  std::array<double, 2> betas = {0.9, 0.999}; ///< decay rates of the two moments, each in [0, 1)
  double eps = 1e-8;                          ///< added to the corrected sqrt(v) (>= 0)
  double weight_decay = 1e-2;                 ///< decoupled decay (>= 0): p <- p (1 - lr * weight_decay)
  bool amsgrad = false;                       ///< normalize by the running maximum of v (AMSGrad)
};

/// AdamW over `params`. State per parameter: "exp_avg", "exp_avg_sq", plus "max_exp_avg_sq"
/// with amsgrad. Bias corrections use the optimizer's step count (see Optimizer).
///   optim::AdamW opt(net.parameters(), {.lr = 1e-3, .weight_decay = 0.05});
/// Throws soma::Error naming AdamW and the option for a negative lr, eps or weight_decay and
/// for betas outside [0, 1).
class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
  /// The options given at construction, with `lr` the live learning rate (lr(): what a
  /// schedule or set_lr last set), so that the two never disagree.
  AdamWOptions options() const {
    AdamWOptions o = options_;
    o.lr = lr();
    return o;
  }

  std::optional<double> momentum() const override;
  void set_momentum(double m) override;

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;

 private:
  AdamWOptions options_;
};

}  // namespace soma::optim
