// RMSprop: divides the gradient by a running root mean square of recent gradients.
// Hinton, Coursera "Neural Networks for Machine Learning", lecture 6e (2012); the centered
// variant is Graves, "Generating Sequences With Recurrent Neural Networks", 2013. Update as
// torch.optim.RMSprop (PyTorch 1.13 docs): v <- alpha v + (1 - alpha) g^2, with centered
// m <- alpha m + (1 - alpha) g and v~ = v - m^2; p <- p - lr * g / (sqrt(v~) + eps), or with
// momentum b <- momentum b + g / (sqrt(v~) + eps), p <- p - lr * b.
#pragma once

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct RMSpropOptions {
  double lr = 1e-2;          ///< learning rate (>= 0)
  double alpha = 0.99;       ///< smoothing constant of the running mean of g^2 (>= 0)
  double eps = 1e-8;         ///< added to the root mean square (outside the sqrt) (>= 0)
  double weight_decay = 0;   ///< L2 penalty (>= 0), added to the gradient
  double momentum = 0;       ///< momentum factor (>= 0); 0 disables the momentum buffer
  bool centered = false;     ///< normalize by an estimate of the gradient's variance
};

/// RMSprop over `params`. State per parameter: "square_avg", plus "momentum_buffer" with
/// momentum and "grad_avg" when centered.
///   optim::RMSprop opt(net.parameters(), {.lr = 1e-3, .momentum = 0.9});
/// Throws soma::Error naming RMSprop and the option when any option is negative.
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});
  /// The options given at construction, with `lr` the live learning rate (lr(): what a
  /// schedule or set_lr last set), so that the two never disagree.
  RMSpropOptions options() const {
    RMSpropOptions o = options_;
    o.lr = lr();
    return o;
  }

  std::optional<double> momentum() const override;
  void set_momentum(double m) override;

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;

 private:
  RMSpropOptions options_;
};

}  // namespace soma::optim
