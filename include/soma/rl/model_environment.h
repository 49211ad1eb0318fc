// ModelEnvironment: a world given by its transition model, as Gymnasium's toy-text worlds are
// (DiscreteEnv's P[s][a] = [(prob, next, reward, done)]): discrete states and actions, and a
// step that samples the listed outcomes. FrozenLake and CliffWalking build a model and inherit
// the rest. The model is public: value iteration (rl/tabular.h) needs it.
#pragma once

#include <string>
#include <vector>

#include "soma/rl/environment.h"

namespace soma::rl {

/// One possible outcome of an action: Gymnasium's P[s][a] entries (prob, next, reward, done).
struct Transition {
  double probability = 0;
  std::int64_t next = 0;
  double reward = 0;
  bool terminated = false;
};

/// model[s][a]: the outcomes of action a in state s, probabilities summing to 1.
using TransitionModel = std::vector<std::vector<std::vector<Transition>>>;

class ModelEnvironment : public Environment {
 public:
  /// `starts`: the states an episode may start in, drawn uniformly. `max_episode_steps` 0: no
  /// time limit. Throws soma::Error naming `name` for an empty model, rows of unequal action
  /// counts, an outcome list that is empty or does not sum to 1, a next state or start outside
  /// the model, or no start.
  ModelEnvironment(std::string name, TransitionModel model, std::vector<std::int64_t> starts,
                   std::int64_t max_episode_steps, std::uint64_t seed);

  std::string name() const override { return name_; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  /// Starts on one of the start states; the observation is the state, a 0-d int64 tensor.
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  /// Draws the outcome from model()[state][action] as Gymnasium's categorical_sample does (the
  /// first outcome whose cumulative probability exceeds one uniform draw).
  EnvStep step(std::int64_t action) override;
  Generator& generator() override { return generator_; }
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  const TransitionModel& model() const { return model_; }
  std::int64_t state() const { return state_; }
  std::int64_t episode_steps() const { return steps_; }

 private:
  std::string name_;
  TransitionModel model_;
  std::vector<std::int64_t> starts_;
  std::int64_t max_episode_steps_;
  Space observation_space_, action_space_;
  Generator generator_;
  std::int64_t state_ = 0, steps_ = 0;
  bool started_ = false, done_ = false;
};

}  // namespace soma::rl
