#include "soma/rl/model_environment.h"

#include <cmath>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {

ModelEnvironment::ModelEnvironment(std::string name, TransitionModel model, std::vector<std::int64_t> starts,
                                   std::int64_t max_episode_steps, std::uint64_t seed)
    : name_(std::move(name)),
      model_(std::move(model)),
      starts_(std::move(starts)),
      max_episode_steps_(max_episode_steps),
      generator_(seed) {
  SOMA_CHECK(!model_.empty() && !model_[0].empty(), name_, ": the transition model is empty");
  const auto states = std::int64_t(model_.size());
  for (std::int64_t s = 0; s < states; ++s) {
    SOMA_CHECK(model_[s].size() == model_[0].size(), name_, ": state ", s, " has ", model_[s].size(),
               " actions, state 0 has ", model_[0].size());
    for (std::size_t a = 0; a < model_[s].size(); ++a) {
      double sum = 0;
      for (const Transition& t : model_[s][a]) {
        SOMA_CHECK(t.next >= 0 && t.next < states, name_, ": state ", s, ", action ", a, " leads to state ", t.next,
                   ", outside 0..", states - 1);
        sum += t.probability;
      }
      SOMA_CHECK(std::abs(sum - 1) < 1e-9, name_, ": the outcomes of state ", s, ", action ", a,
                 " have probabilities summing to ", sum, ", not 1");
    }
  }
  SOMA_CHECK(!starts_.empty(), name_, ": no start state");
  for (std::int64_t s : starts_)
    SOMA_CHECK(s >= 0 && s < states, name_, ": start state ", s, " is outside 0..", states - 1);
  SOMA_CHECK(max_episode_steps >= 0, name_, ": max_episode_steps must be 0 (no limit) or more, got ", max_episode_steps);
  observation_space_ = Space::discrete(states);
  action_space_ = Space::discrete(std::int64_t(model_[0].size()));
}

Tensor ModelEnvironment::reset(std::optional<std::uint64_t> seed) {
  if (seed) generator_.seed(*seed);
  state_ = starts_[generator_.below(starts_.size())];
  steps_ = 0;
  started_ = true;
  done_ = false;
  return scalar(double(state_), DType::i64);
}

EnvStep ModelEnvironment::step(std::int64_t action) {
  SOMA_CHECK(action >= 0 && action < action_space_.n, name_, ": action must be in 0..", action_space_.n - 1,
             ", got ", action);
  SOMA_CHECK(started_, name_, ": step() before reset()");
  SOMA_CHECK(!done_, name_, ": step() after the episode ended (terminated or truncated); call reset()");
  const auto& outcomes = model_[state_][action];
  const double u = generator_.uniform();
  double cumulative = 0;
  const Transition* chosen = &outcomes.back();  // where rounding leaves the sum a hair under 1
  for (const Transition& t : outcomes)
    if ((cumulative += t.probability) > u) {
      chosen = &t;
      break;
    }
  state_ = chosen->next;
  ++steps_;
  EnvStep out{scalar(double(state_), DType::i64), chosen->reward, chosen->terminated, false};
  out.truncated = !out.terminated && max_episode_steps_ > 0 && steps_ >= max_episode_steps_;
  done_ = out.terminated || out.truncated;
  return out;
}

std::map<std::string, Tensor> ModelEnvironment::state_dict() const {
  return {{"state", scalar(double(state_), DType::i64)},
          {"steps", scalar(double(steps_), DType::i64)},
          {"phase", scalar(double(started_) + 2 * double(done_), DType::i64)}};
}

void ModelEnvironment::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto get = [&](const char* key) {
    auto it = state.find(key);
    SOMA_CHECK(it != state.end(), name_, ": the saved state has no \"", key, "\"");
    SOMA_CHECK(it->second.numel() == 1, name_, ": saved \"", key, "\" should be one number, has ",
               it->second.numel());
    return std::int64_t(it->second.item());
  };
  const std::int64_t s = get("state"), steps = get("steps"), phase = get("phase");
  SOMA_CHECK(s >= 0 && s < std::int64_t(model_.size()), name_, ": saved \"state\" must be in 0..",
             model_.size() - 1, ", got ", s);
  SOMA_CHECK(phase >= 0 && phase <= 3, name_, ": saved \"phase\" must be 0..3, got ", phase);
  state_ = s, steps_ = steps, started_ = phase & 1, done_ = phase & 2;
}

}  // namespace soma::rl
