// Learner's gradient hooks: the one place between backward and an optimizer's step.
#include "soma/train/learner.h"

#include "soma/core/error.h"

namespace soma::train {

int Learner::add_gradient_hook(GradientHook hook) {
  SOMA_CHECK(bool(hook), name(), ": add_gradient_hook: the hook is empty");
  hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Learner::remove_gradient_hook(int id) {
  std::erase_if(hooks_, [id](const auto& entry) { return entry.first == id; });
}

void Learner::apply_step(optim::Optimizer& opt) {
  for (const auto& [id, hook] : hooks_) hook(opt);
  opt.step();
  opt.zero_grad();
}

}  // namespace soma::train
