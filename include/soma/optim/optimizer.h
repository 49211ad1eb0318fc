// Optimizer: updates a list of parameters from their gradients. Subclasses implement
// step(); state is held per parameter index (never keyed by address) with one step counter
// per optimizer, so it can be saved and restored.
#pragma once

#include <vector>

#include "soma/core/tensor.h"

namespace soma::optim {

class Optimizer {
 public:
  /// Throws soma::Error when a parameter does not require grad.
  Optimizer(std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;

  /// Applies one update to every parameter that has a gradient (outside the graph).
  void step();
  /// Forgets every parameter's gradient (PyTorch's set_to_none).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  /// Number of step() calls so far.
  std::int64_t steps() const { return steps_; }
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  /// Updates parameter `index` from its gradient; called by step() for each parameter with one.
  virtual void update(std::size_t index, Tensor& param, const Tensor& grad) = 0;

  double lr_;

 private:
  std::vector<Tensor> params_;
  std::int64_t steps_ = 0;
};

}  // namespace soma::optim
