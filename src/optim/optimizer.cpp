// Optimizer base: the step loop and gradient reset.
#include "soma/optim/optimizer.h"

#include "soma/autograd/grad_mode.h"

namespace soma::optim {

Optimizer::Optimizer(std::vector<Tensor> params, double lr) : params_(std::move(params)) {
  set_lr(lr);
  for (std::size_t i = 0; i < params_.size(); ++i)
    SOMA_CHECK(params_[i].defined() && params_[i].requires_grad() && params_[i].is_leaf(), "optimizer: parameter ",
               i, " is not a leaf tensor that requires grad");
}

void Optimizer::set_lr(double lr) {
  SOMA_CHECK(lr >= 0, "optimizer: learning rate must be non-negative, got ", lr);
  lr_ = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor grad = params_[i].grad();
    if (grad.defined()) update(i, params_[i], grad);
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

}  // namespace soma::optim
