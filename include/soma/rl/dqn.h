// DqnLearner: deep Q-learning (Mnih et al. 2015) as a train::Learner, so train::Loop runs it
// with the same callbacks, events, run folders and checkpoints as any other learner. Each Loop
// step is one environment step: an epsilon-greedy action from the online network, stored in
// the replay buffer; after learning_starts steps, every train_frequency steps, gradient_steps
// updates on sampled batches, with the Huber loss on the TD error
//   y = r + gamma (1 - terminated) max_a' Q_target(s', a')
// (Double DQN: a' = argmax Q_online(s', .)). Formulas: docs/rl.md, "DQN".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/data/dataset.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/rl/environment.h"
#include "soma/rl/replay.h"
#include "soma/train/learner.h"

namespace soma::rl {

struct DqnOptions {
  double gamma = 0.99;                        ///< discount, in [0, 1]
  std::int64_t batch_size = 64;               ///< transitions per gradient step
  std::int64_t learning_starts = 1000;        ///< environment steps before the first update
  std::int64_t train_frequency = 1;           ///< environment steps between rounds of updates
  std::int64_t gradient_steps = 1;            ///< updates per round
  std::int64_t target_update_interval = 500;  ///< environment steps between target updates
  /// Target update: 1 copies the online weights (hard); below 1, Polyak averaging
  /// theta' <- tau theta + (1 - tau) theta'. In (0, 1].
  double tau = 1;
  double epsilon_start = 1;             ///< exploration at step 0
  double epsilon_end = 0.05;            ///< exploration after exploration_steps
  std::int64_t exploration_steps = 10000;  ///< environment steps of the linear decay (>= 1)
  bool double_dqn = false;              ///< the target's action chosen by the online network
  double huber_beta = 1;                ///< smooth L1's beta (|d| below it: quadratic)
  ReplayOptions replay = {};            ///< the buffer (its seed included)
  /// Whether checkpoints (state_dict) hold the replay buffer: needed for an exact resume, and
  /// large for pixels. Default false: a resumed run starts with an empty buffer.
  bool checkpoint_replay = false;
  std::uint64_t seed = 0;               ///< seeds the acting generator and the first reset
  /// Evaluation episode j (the j-th example of the validation data) starts with reset(eval_seed + j).
  std::uint64_t eval_seed = 1000000;
};

/// Trains a Q-network on `env`; the caller owns the networks, optimizer and environments, which
/// must outlive the learner:
///   nn::Sequential online{nn::Dense(4, 128), nn::ReLU(), nn::Dense(128, 128), nn::ReLU(), nn::Dense(128, 2)};
///   nn::Sequential target{...the same layers...};
///   optim::Adam opt(online.parameters(), {.lr = 1e-3});
///   rl::CartPole env({.seed = 1}), eval_env;
///   rl::DqnLearner dqn(online, target, opt, env, {.seed = 1}, &eval_env);
///   train::Loop(dqn).fit(rl::steps(50000), {.epochs = 10, .batch_size = 1, .shuffle = false,
///                                           .validation = rl::steps(10)});
/// The networks map observations [N, ...] to Q-values [N, actions]; `target` has the online
/// network's architecture and is overwritten with its weights. Train-step values: "epsilon"
/// every step; "loss" and "q" (mean Q(s, a) of the batches) on steps that updated;
/// "episode_return" and "episode_length" on steps that ended an episode. Evaluate-step values:
/// "episode_return", "episode_length" of one greedy episode per example on `eval_env` (the
/// Loop names them val_episode_return, ...). model() is one module with children "online" and
/// "target"; generators: "acting", "replay", "env"; state_dict: counters, the episode in
/// progress, the environment's state and (checkpoint_replay) the buffer's.
/// Throws soma::Error for bad options, a non-discrete action space, Q-values of the wrong
/// shape, and evaluate_step without an evaluation environment.
class DqnLearner : public train::Learner {
 public:
  DqnLearner(nn::Module& online, nn::Module& target, optim::Optimizer& optimizer, Environment& env,
             DqnOptions options = {}, Environment* eval_env = nullptr);

  // ---- train::Learner ----
  std::string name() const override { return "dqn"; }
  /// One environment step and, when due, the updates and the target update; the batch only
  /// counts steps (its contents are not read).
  train::StepResult train_step(const data::Batch& batch) override;
  /// One greedy episode on the evaluation environment per example of the batch.
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return *model_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&opt_}; }
  std::vector<std::pair<std::string, Generator*>> generators() override;
  std::map<std::string, Tensor> state_dict() const override;
  /// Throws soma::Error naming the missing key.
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  // ---- the parts, for loops written by hand and for tests ----
  /// The exploration rate at the current step (linear from epsilon_start to epsilon_end).
  double epsilon() const;
  /// Epsilon-greedy action for one observation (draws from the acting generator).
  std::int64_t act(const Tensor& observation);
  /// One update on a sampled batch; returns {loss, mean Q(s, a)}.
  std::pair<double, double> update();
  /// Copies (tau = 1) or averages (tau < 1) the online weights into the target network.
  void update_target();

  std::int64_t env_steps() const { return env_steps_; }
  std::int64_t updates() const { return updates_; }
  ReplayBuffer& replay() { return replay_; }
  nn::Module& online() { return online_; }
  nn::Module& target() { return target_; }
  const DqnOptions& options() const { return options_; }

 private:
  nn::Module& online_;
  nn::Module& target_;
  optim::Optimizer& opt_;
  Environment& env_;
  Environment* eval_env_;
  DqnOptions options_;
  std::shared_ptr<nn::Module> model_;  // "online" and "target", not owned
  ReplayBuffer replay_;
  Generator acting_;
  std::int64_t actions_ = 0;
  Tensor observation_;  // the current observation; undefined before the first reset
  std::int64_t env_steps_ = 0, updates_ = 0, episodes_ = 0;
  double episode_return_ = 0;
  std::int64_t episode_length_ = 0;
};

/// The action with the largest Q-value for one observation (no graph; the network's mode as it is).
std::int64_t greedy_action(nn::Module& q_network, const Tensor& observation);

/// Runs `episodes` greedy episodes on `env`, episode j from reset(seed + j), with `q_network`
/// in eval mode (its mode restored after); returns each episode's return.
std::vector<double> evaluate_greedy(nn::Module& q_network, Environment& env, std::int64_t episodes,
                                    std::uint64_t seed);

/// n placeholder examples (x: the int64 index 0..n-1): what train::Loop iterates for an agent.
/// With batch_size 1 and shuffle off, fit(steps(50000)) takes 50,000 environment steps, and
/// steps(10) as validation runs 10 evaluation episodes after each epoch.
std::shared_ptr<data::Dataset> steps(std::int64_t n);

}  // namespace soma::rl
