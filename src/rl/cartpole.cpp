#include "soma/rl/cartpole.h"

#include <cmath>
#include <limits>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

CartPole::CartPole(CartPoleOptions options)
    : options_(options),
      // Gymnasium bounds the observation at twice the termination limits (float32 max for the speeds).
      observation_space_(Space::box({4}, {-2 * x_threshold, -inf, -2 * theta_threshold, -inf},
                                    {2 * x_threshold, inf, 2 * theta_threshold, inf})),
      action_space_(Space::discrete(2)),
      generator_(options.seed) {
  SOMA_CHECK(options.max_episode_steps >= 1, "CartPole: max_episode_steps must be at least 1, got ",
             options.max_episode_steps);
}

CartPole::State CartPole::advance(const State& s, bool push_right) {
  constexpr double total_mass = cart_mass + pole_mass, pole_mass_length = pole_mass * half_length;
  const auto [x, x_dot, theta, theta_dot] = s;
  const double f = push_right ? force : -force;
  const double cos_theta = std::cos(theta), sin_theta = std::sin(theta);
  // The equations of Florian (2007), "Correct equations for the dynamics of the cart-pole
  // system", as Gymnasium writes them (friction-free).
  const double temp = (f + pole_mass_length * (theta_dot * theta_dot) * sin_theta) / total_mass;
  const double theta_acc = (gravity * sin_theta - cos_theta * temp) /
                           (half_length * (4.0 / 3.0 - pole_mass * (cos_theta * cos_theta) / total_mass));
  const double x_acc = temp - pole_mass_length * theta_acc * cos_theta / total_mass;
  // Explicit Euler: positions move with the old velocities.
  return {x + tau * x_dot, x_dot + tau * x_acc, theta + tau * theta_dot, theta_dot + tau * theta_acc};
}

Tensor CartPole::observe() const {
  const float obs[4] = {float(state_[0]), float(state_[1]), float(state_[2]), float(state_[3])};
  return from_data(std::span<const float>(obs, 4), {4});
}

Tensor CartPole::reset(std::optional<std::uint64_t> seed) {
  if (seed) generator_.seed(*seed);
  State s;
  for (double& v : s) v = generator_.uniform(-0.05, 0.05);
  return reset_to(s);
}

Tensor CartPole::reset_to(const State& state) {
  state_ = state;
  steps_ = 0;
  started_ = true;
  done_ = false;
  return observe();
}

EnvStep CartPole::step(std::int64_t action) {
  SOMA_CHECK(action == 0 || action == 1, name(), ": action must be 0 (push left) or 1 (push right), got ", action);
  SOMA_CHECK(started_, name(), ": step() before reset()");
  SOMA_CHECK(!done_, name(), ": step() after the episode ended (terminated or truncated); call reset()");
  state_ = advance(state_, action == 1);
  ++steps_;
  const auto [x, x_dot, theta, theta_dot] = state_;
  EnvStep out;
  out.observation = observe();
  out.reward = 1.0;  // every step, the last included
  out.terminated = x < -x_threshold || x > x_threshold || theta < -theta_threshold || theta > theta_threshold;
  out.truncated = !out.terminated && steps_ >= options_.max_episode_steps;
  done_ = out.terminated || out.truncated;
  return out;
}

std::map<std::string, Tensor> CartPole::state_dict() const {
  return {{"state", from_data(std::span<const double>(state_.data(), 4), {4}, DType::f64)},
          {"steps", scalar(double(steps_), DType::i64)},
          {"phase", scalar(double(started_) + 2 * double(done_), DType::i64)}};
}

void CartPole::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto get = [&](const char* key, std::int64_t numel) -> const Tensor& {
    auto it = state.find(key);
    SOMA_CHECK(it != state.end(), name(), ": the saved state has no \"", key, "\"");
    SOMA_CHECK(it->second.numel() == numel, name(), ": saved \"", key, "\" should have ", numel, " values, has ",
               it->second.numel());
    return it->second;
  };
  const Tensor& s = get("state", 4);
  SOMA_CHECK(s.dim() == 1, name(), ": saved \"state\" should be a vector of 4, has ", s.dim(), " axes");
  for (int i = 0; i < 4; ++i) state_[i] = s.at({i});
  steps_ = std::int64_t(get("steps", 1).item());
  const auto phase = std::int64_t(get("phase", 1).item());
  SOMA_CHECK(phase >= 0 && phase <= 3, name(), ": saved \"phase\" must be 0..3, got ", phase);
  started_ = phase & 1;
  done_ = phase & 2;
}

}  // namespace soma::rl
