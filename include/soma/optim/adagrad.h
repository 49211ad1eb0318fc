// AdaGrad: per-coordinate learning rates from the running sum of squared gradients.
// Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
// Optimization", JMLR 2011; update as torch.optim.Adagrad (PyTorch 1.13 docs): with
// g <- g + weight_decay * p, clr = lr / (1 + (t - 1) lr_decay), s <- s + g^2,
// p <- p - clr * g / (sqrt(s) + eps).
#pragma once

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct AdaGradOptions {
  double lr = 1e-2;                       ///< learning rate (>= 0)
  double lr_decay = 0;                    ///< lr decay per step (>= 0): clr = lr / (1 + (t-1) lr_decay)
  double weight_decay = 0;                ///< L2 penalty (>= 0), added to the gradient
  double initial_accumulator_value = 0;   ///< starting value of the sum of squares (>= 0)
  double eps = 1e-10;                     ///< added to sqrt(sum) for stability (>= 0)
};

/// AdaGrad over `params`. State per parameter: "sum" (the accumulated squared gradients).
///   optim::AdaGrad opt(net.parameters(), {.lr = 0.1});
/// Throws soma::Error naming AdaGrad and the option when any option is negative.
class AdaGrad : public Optimizer {
 public:
  AdaGrad(std::vector<Tensor> params, const AdaGradOptions& options = {});
  /// The options given at construction, with `lr` the live learning rate (lr(): what a
  /// schedule or set_lr last set), so that the two never disagree.
  AdaGradOptions options() const {
    AdaGradOptions o = options_;
    o.lr = lr();
    return o;
  }

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;

 private:
  AdaGradOptions options_;
};

}  // namespace soma::optim
