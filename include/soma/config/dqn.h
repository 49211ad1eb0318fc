// The config of a reinforcement-learning run: {"learner": "dqn"} with an "environment" (the
// world, CartPole-v1 from its state or from pixels), a "model" (the Q-network, the usual model
// section, fitted to the observations and the number of actions), an "optimizer" and a "dqn"
// section (rl::DqnOptions, key for key). build_learner_experiment builds such a config through
// build_dqn_experiment; `soma play` rebuilds the environment and the network from a run's
// resolved config. Keys and defaults: docs/cli.md, "learner".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "soma/config/learner.h"
#include "soma/rl/dqn.h"
#include "soma/rl/environment.h"

namespace soma::config {

/// The config's own defaults of {"learner": {"type": "dqn", ...}}: environment steps per epoch
/// (the Loop's epoch: one row of metrics.csv, a checkpoint, the evaluation episodes), and the
/// greedy evaluation episodes after each epoch and at the end (0: none).
inline constexpr std::int64_t kDqnStepsPerEpoch = 1000;
inline constexpr std::int64_t kDqnEvalEpisodes = 10;

/// The environment of an "environment" section: {"name": "CartPole-v1", "max_episode_steps":
/// 500}, and for pixels a "pixels" object (the rendered, preprocessed frames of rl/pixels.h).
/// `seed` seeds its generator. `resolved` gets the section with every default.
/// Throws ConfigError naming the JSON path of a mistake.
std::unique_ptr<rl::Environment> build_environment(const Json& spec, const std::string& path, std::uint64_t seed,
                                                   Json& resolved);

/// rl::DqnOptions from a "dqn" section, each key defaulting to the struct's value; "replay" is
/// a nested object of rl::ReplayOptions. The seeds are not keys: the learner's is `seed`, the
/// replay buffer's `seed + 1`. Throws ConfigError naming the JSON path of a mistake.
rl::DqnOptions build_dqn_options(const Json& spec, const std::string& path, std::uint64_t seed, Json& resolved);

/// A whole {"learner": "dqn"} config: settings (batch_size 1 and shuffle false, the only values
/// that make one loop step one environment step; others are refused), environment, model
/// (checked against the observation shape; its output must be [actions]), its target copy,
/// optimizer, dqn options and callbacks. The data are placeholders: `steps_per_epoch` examples
/// to train on and `eval_episodes` to evaluate (data.test, and validation when "validate").
/// Seeds, from the config's: weights `seed`, environment `seed`, learner `seed + 1`, replay
/// `seed + 2`; evaluation episodes start from dqn.eval_seed. "data", "loss" and "schedule" are
/// refused. Throws ConfigError naming the JSON path of the first mistake.
LearnerExperiment build_dqn_experiment(const Json& config, const BuildOptions& options = {});

/// The command line's --limit and --test-limit for a dqn config, whose examples are environment
/// steps and evaluation episodes: learner.steps_per_epoch and learner.eval_episodes become at
/// most `steps` and `episodes` (a value that is not an integer is left for the build to refuse).
void limit_dqn_config(Json& config, std::optional<std::int64_t> steps, std::optional<std::int64_t> episodes);

}  // namespace soma::config
