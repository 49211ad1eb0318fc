// Loss modules: each forwards to its functional loss in ops/loss.h with the stored options.
// Option checks that the functions would only make at the first call (delta > 0, beta >= 0)
// are made at construction, so a bad loss fails where it is written.
#include "soma/nn/loss.h"

namespace soma::loss {

Tensor CrossEntropy::operator()(const Tensor& prediction, const Tensor& target) const {
  return cross_entropy(prediction, target, reduction());
}

Tensor NLL::operator()(const Tensor& prediction, const Tensor& target) const {
  return nll_loss(prediction, target, reduction());
}

Tensor CategoricalCrossentropy::operator()(const Tensor& prediction, const Tensor& target) const {
  return categorical_crossentropy(prediction, target, from_logits_, reduction());
}

Tensor MSE::operator()(const Tensor& prediction, const Tensor& target) const {
  return mse_loss(prediction, target, reduction());
}

Tensor MAE::operator()(const Tensor& prediction, const Tensor& target) const {
  return l1_loss(prediction, target, reduction());
}

Tensor BCE::operator()(const Tensor& prediction, const Tensor& target) const {
  return binary_cross_entropy(prediction, target, reduction());
}

Tensor BCEWithLogits::operator()(const Tensor& prediction, const Tensor& target) const {
  return binary_cross_entropy_with_logits(prediction, target, reduction());
}

Tensor Hinge::operator()(const Tensor& prediction, const Tensor& target) const {
  return hinge_loss(prediction, target, margin_, reduction());
}

Huber::Huber(const HuberOptions& options) : Loss(options.reduction), delta_(options.delta) {
  SOMA_CHECK(delta_ > 0, "loss::Huber: delta must be > 0, got ", delta_);
}

Tensor Huber::operator()(const Tensor& prediction, const Tensor& target) const {
  return huber_loss(prediction, target, delta_, reduction());
}

SmoothL1::SmoothL1(const SmoothL1Options& options) : Loss(options.reduction), beta_(options.beta) {
  SOMA_CHECK(beta_ >= 0, "loss::SmoothL1: beta must be >= 0, got ", beta_);
}

Tensor SmoothL1::operator()(const Tensor& prediction, const Tensor& target) const {
  return smooth_l1_loss(prediction, target, beta_, reduction());
}

Function::Function(std::string name, Fn fn, Reduction reduction)
    : Loss(reduction), name_(std::move(name)), fn_(std::move(fn)) {
  SOMA_CHECK(bool(fn_), "loss::Function '", name_, "': the function is empty");
}

Tensor Function::operator()(const Tensor& prediction, const Tensor& target) const {
  return fn_(prediction, target);
}

}  // namespace soma::loss
