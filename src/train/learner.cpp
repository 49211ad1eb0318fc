// Learner's gradient hooks: the one place between backward and an optimizer's step.
#include "soma/train/learner.h"

#include "soma/core/error.h"

namespace soma::train {

void Learner::add_gradient_hook(GradientHook hook) {
  SOMA_CHECK(bool(hook), name(), ": add_gradient_hook: the hook is empty");
  hooks_.push_back(std::move(hook));
}

void Learner::apply_step(optim::Optimizer& opt) {
  for (const auto& hook : hooks_) hook(opt);
  opt.step();
  opt.zero_grad();
}

}  // namespace soma::train
