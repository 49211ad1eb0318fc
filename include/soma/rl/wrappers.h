// Wrapper: an environment that decorates another (Gymnasium's gymnasium.Wrapper). It passes
// every call through; a subclass changes only what it is about (observations, for the pixel
// wrappers of rl/pixels.h). It owns the environment it wraps, so a chain is one object:
//   auto env = std::make_unique<Grayscale>(std::make_unique<RenderFrames>(std::make_unique<CartPole>()));
// A wrapper's state_dict() holds the inner environment's entries under "env." plus its own.
#pragma once

#include <memory>

#include "soma/rl/environment.h"

namespace soma::rl {

class Wrapper : public Environment {
 public:
  /// Throws soma::Error for a null environment.
  explicit Wrapper(std::unique_ptr<Environment> env);

  std::string name() const override { return env_->name(); }
  const Space& observation_space() const override { return env_->observation_space(); }
  const Space& action_space() const override { return env_->action_space(); }
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override { return env_->reset(seed); }
  EnvStep step(std::int64_t action) override { return env_->step(action); }
  Frame render() const override { return env_->render(); }
  Environment& unwrapped() override { return env_->unwrapped(); }
  Generator& generator() override { return env_->generator(); }
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The environment this one wraps.
  Environment& inner() { return *env_; }
  const Environment& inner() const { return *env_; }

 protected:
  std::unique_ptr<Environment> env_;
};

}  // namespace soma::rl
