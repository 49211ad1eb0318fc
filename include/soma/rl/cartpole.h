// CartPole-v1 with Gymnasium's exact dynamics (gymnasium/envs/classic_control/cartpole.py):
// a pole hinged on a cart that the agent pushes left (action 0) or right (action 1) with a
// force of 10 N. The state (x, x_dot, theta, theta_dot) advances by one explicit Euler step of
// tau = 0.02 s in float64; the observation is that state in float32. Reward 1 on every step,
// the last included; the episode terminates when |x| > 2.4 or |theta| > 12 degrees and is
// truncated after 500 steps (Gymnasium's TimeLimit). reset() draws each state variable
// uniformly in (-0.05, 0.05).
#pragma once

#include <array>

#include "soma/rl/environment.h"

namespace soma::rl {

struct CartPoleOptions {
  std::int64_t max_episode_steps = 500;  ///< truncation (CartPole-v0: 200)
  std::uint64_t seed = 0;                ///< the generator's seed before any reset(seed)
};

class CartPole : public Environment {
 public:
  // Gymnasium's constants.
  static constexpr double gravity = 9.8, cart_mass = 1.0, pole_mass = 0.1, half_length = 0.5;
  static constexpr double force = 10.0, tau = 0.02, x_threshold = 2.4;
  static constexpr double theta_threshold = 12 * 2 * 3.141592653589793 / 360;  // 12 degrees in radians

  using State = std::array<double, 4>;  ///< x, x_dot, theta, theta_dot

  explicit CartPole(CartPoleOptions options = {});

  std::string name() const override { return "CartPole-v1"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  EnvStep step(std::int64_t action) override;
  Generator& generator() override { return generator_; }
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;
  /// Gymnasium's 600x400 picture (rl/render.h).
  Frame render() const override;

  /// The exact float64 state (the renderer draws it; tests set it).
  const State& state() const { return state_; }
  /// Starts an episode from `state` instead of a random one; returns its observation.
  Tensor reset_to(const State& state);
  std::int64_t episode_steps() const { return steps_; }

  /// One Euler step of the equations of motion, pushed right when `push_right`.
  static State advance(const State& s, bool push_right);

 private:
  Tensor observe() const;

  CartPoleOptions options_;
  Space observation_space_, action_space_;
  Generator generator_;
  State state_{};
  std::int64_t steps_ = 0;
  bool started_ = false, done_ = false;
};

}  // namespace soma::rl
