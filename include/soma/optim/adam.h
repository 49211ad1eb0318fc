// Adam: adaptive moment estimation with bias correction, optionally AMSGrad.
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; AMSGrad: Reddi, Kale &
// Kumar, "On the Convergence of Adam and Beyond", ICLR 2018. Update as torch.optim.Adam
// (PyTorch 1.13 docs), weight decay being an L2 term added to the gradient (see AdamW for the
// decoupled form): p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
#pragma once

#include <array>

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct AdamOptions {
  double lr = 1e-3;                           ///< learning rate (>= 0)
  std::array<double, 2> betas = {0.9, 0.999}; ///< decay rates of the two moments, each in [0, 1)
  double eps = 1e-8;                          ///< added to the corrected sqrt(v) (>= 0)
  double weight_decay = 0;                    ///< L2 penalty (>= 0), added to the gradient
  bool amsgrad = false;                       ///< normalize by the running maximum of v (AMSGrad)
};

/// Adam over `params`. State per parameter: "exp_avg", "exp_avg_sq", plus "max_exp_avg_sq"
/// with amsgrad. Bias corrections use the optimizer's step count (see Optimizer).
///   optim::Adam opt(net.parameters(), {.lr = 1e-3});
/// Throws soma::Error naming Adam and the option for a negative lr, eps or weight_decay and
/// for betas outside [0, 1).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});
  /// The options given at construction, with `lr` the live learning rate (lr(): what a
  /// schedule or set_lr last set), so that the two never disagree.
  AdamOptions options() const {
    AdamOptions o = options_;
    o.lr = lr();
    return o;
  }

  std::optional<double> momentum() const override;
  void set_momentum(double m) override;

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;

 private:
  AdamOptions options_;
};

}  // namespace soma::optim
