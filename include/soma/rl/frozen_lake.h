// FrozenLake: Gymnasium's grid world (gymnasium/envs/toy_text/frozen_lake.py), the 4x4 map
//   SFFF      S start, F frozen, H hole, G goal
//   FHFH
//   FFFH
//   HFFG
// The agent moves left (0), down (1), right (2) or up (3); a move into the edge stays put. On
// slippery ice the intended move happens with probability 1/3 and each perpendicular one with
// 1/3. Reward 1 on reaching the goal, 0 otherwise; the episode terminates in a hole or at the
// goal and is truncated after 100 steps (Gymnasium's registration of FrozenLake-v1). The
// observation is the cell, row * columns + column, a 0-d int64 tensor. The transition model is
// public: value iteration (rl/tabular.h) needs it.
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

struct FrozenLakeOptions {
  std::vector<std::string> map = {"SFFF", "FHFH", "FFFH", "HFFG"};  ///< rows of S, F, H, G
  bool slippery = true;
  std::int64_t max_episode_steps = 100;
  std::uint64_t seed = 0;  ///< the generator's seed before any reset(seed)
};

class FrozenLake : public Environment {
 public:
  enum Action : std::int64_t { left = 0, down = 1, right = 2, up = 3 };

  /// Throws soma::Error for a map that is empty, not rectangular, has letters other than S, F,
  /// H, G, or no S; or for max_episode_steps < 1.
  explicit FrozenLake(FrozenLakeOptions options = {});

  std::string name() const override { return "FrozenLake-v1"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  /// Starts on an S cell, drawn uniformly (there is one on the default map).
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  /// Draws the outcome from model()[state][action] as Gymnasium does (the first outcome whose
  /// cumulative probability exceeds one uniform draw).
  EnvStep step(std::int64_t action) override;
  Generator& generator() override { return generator_; }
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  const TransitionModel& model() const { return model_; }
  std::int64_t rows() const { return std::int64_t(options_.map.size()); }
  std::int64_t columns() const { return std::int64_t(options_.map[0].size()); }
  /// The letter of a cell: 'S', 'F', 'H' or 'G'.
  char cell(std::int64_t state) const { return options_.map[state / columns()][state % columns()]; }
  std::int64_t state() const { return state_; }
  std::int64_t episode_steps() const { return steps_; }

 private:
  FrozenLakeOptions options_;
  Space observation_space_, action_space_;
  TransitionModel model_;
  Generator generator_;
  std::int64_t state_ = 0, steps_ = 0;
  bool started_ = false, done_ = false;
};

}  // namespace soma::rl
