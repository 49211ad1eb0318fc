// Stochastic gradient descent with optional L2 weight decay, momentum (with dampening) and
// Nesterov momentum, as torch.optim.SGD (PyTorch 1.13 docs): with d = g + weight_decay * p,
// b <- d at the first step, then b <- momentum * b + (1 - dampening) * d; the update is
// p <- p - lr * (nesterov ? d + momentum * b : b) (plain p <- p - lr * d without momentum).
// Nesterov momentum: Sutskever et al., "On the importance of initialization and momentum", 2013.
#pragma once

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct SGDOptions {
  double lr = 0.01;           ///< learning rate (>= 0); PyTorch has no default, soma uses 0.01
  double momentum = 0;        ///< momentum factor (>= 0); 0 disables the momentum buffer
  double dampening = 0;       ///< dampening of the gradient in the momentum buffer
  double weight_decay = 0;    ///< L2 penalty (>= 0), added to the gradient
  bool nesterov = false;      ///< Nesterov momentum; requires momentum > 0 and dampening = 0
};

/// SGD over `params`. State per parameter (with momentum): "momentum_buffer".
///   optim::SGD opt(net.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
///   loss.backward(); opt.step(); opt.zero_grad();
/// Throws soma::Error naming SGD and the option for a negative lr, momentum or weight_decay,
/// and for nesterov without momentum or with dampening.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});
  /// The options given at construction, with `lr` the live learning rate (lr(): what a
  /// schedule or set_lr last set), so that the two never disagree.
  SGDOptions options() const {
    SGDOptions o = options_;
    o.lr = lr();
    return o;
  }

  std::optional<double> momentum() const override;
  void set_momentum(double m) override;

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;

 private:
  SGDOptions options_;
};

}  // namespace soma::optim
