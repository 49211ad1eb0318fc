#include "soma/rl/wrappers.h"

#include "soma/core/error.h"

namespace soma::rl {

Wrapper::Wrapper(std::unique_ptr<Environment> env) : env_(std::move(env)) {
  SOMA_CHECK(env_ != nullptr, "Wrapper: the environment to wrap is null");
}

std::map<std::string, Tensor> Wrapper::state_dict() const {
  std::map<std::string, Tensor> out;
  for (auto& [key, value] : env_->state_dict()) out.emplace("env." + key, value);
  return out;
}

void Wrapper::load_state_dict(const std::map<std::string, Tensor>& state) {
  // The inner environment's entries, prefix dropped; the wrapper's own keys stay for it.
  std::map<std::string, Tensor> inner;
  for (auto& [key, value] : state)
    if (key.starts_with("env.")) inner.emplace(key.substr(4), value);
  env_->load_state_dict(inner);
}

}  // namespace soma::rl
