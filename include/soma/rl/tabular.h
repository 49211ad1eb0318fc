// Tabular learning: the table students know, before the network replaces it. One Q-value per
// (state, action), learned from steps of any Environment with discrete observations and actions:
//   Q-learning:  Q(s,a) += alpha (r + gamma max_a' Q(s',a') - Q(s,a))     (off-policy)
//   SARSA:       Q(s,a) += alpha (r + gamma Q(s',a') - Q(s,a)), a' the action taken next (on-policy)
// A terminated step bootstraps nothing (its target is r); a truncated one still does. Value
// iteration on a known model (rl/frozen_lake.h) gives the optimal values to compare with:
//   V(s) <- max_a sum_{s'} P(s'|s,a) (r + gamma V(s') [not terminal])
#pragma once

#include <cstdint>
#include <vector>

#include "soma/rl/environment.h"
#include "soma/rl/model_environment.h"

namespace soma::rl {

/// Q-values, states x actions, all 0 at first.
class QTable {
 public:
  QTable(std::int64_t states, std::int64_t actions);
  double& at(std::int64_t state, std::int64_t action) { return q_[state * actions_ + action]; }
  double at(std::int64_t state, std::int64_t action) const { return q_[state * actions_ + action]; }
  /// The best action; ties go to the lowest index (numpy's argmax).
  std::int64_t greedy(std::int64_t state) const;
  double max(std::int64_t state) const { return at(state, greedy(state)); }
  std::int64_t states() const { return states_; }
  std::int64_t actions() const { return actions_; }

 private:
  std::int64_t states_, actions_;
  std::vector<double> q_;
};

/// Epsilon falling linearly from `start` to `end` over `episodes` episodes, then staying at `end`.
struct EpsilonSchedule {
  double start = 1.0, end = 0.01;
  std::int64_t episodes = 1000;
  double at(std::int64_t episode) const;
};

struct TabularOptions {
  enum class Method { q_learning, sarsa };
  Method method = Method::q_learning;
  std::int64_t episodes = 10000;
  double alpha = 0.05;  ///< learning rate
  double gamma = 0.99;  ///< discount
  EpsilonSchedule epsilon{};
  std::uint64_t seed = 0;  ///< the environment's first reset and the agent's own generator
};

struct TabularResult {
  QTable q;
  std::vector<double> episode_returns;  ///< undiscounted, one per training episode
};

/// The TD target of one step s, a -> reward, next: the reward alone when the step terminated;
/// otherwise reward + gamma * max_a' Q(next, a') (Q-learning) or reward + gamma * Q(next,
/// next_action) (SARSA, next_action the one taken next). A truncated step bootstraps.
double td_target(const QTable& q, TabularOptions::Method method, double reward, std::int64_t next,
                 std::int64_t next_action, bool terminated, double gamma);

/// Trains a Q-table on `env` (discrete observations and actions) with epsilon-greedy exploration
/// (ties of the greedy action broken by the lowest index). Throws soma::Error naming the
/// environment when its spaces are not discrete.
TabularResult train_tabular(Environment& env, const TabularOptions& options);

/// The mean undiscounted return of the greedy policy `policy[s]` over `episodes` episodes, the
/// first reset seeded with `seed` (for FrozenLake: the success rate).
double evaluate_policy(Environment& env, const std::vector<std::int64_t>& policy, std::int64_t episodes,
                       std::uint64_t seed);
/// The greedy policy of a Q-table.
std::vector<std::int64_t> greedy_policy(const QTable& q);

struct ValueIterationResult {
  std::vector<double> values;         ///< V*(s)
  std::vector<std::int64_t> policy;   ///< argmax_a Q*(s, a), ties to the lowest index
  QTable q;                           ///< Q*(s, a)
  std::int64_t sweeps = 0;
};

/// Sweeps the Bellman optimality update until no value changes by more than `tolerance`.
/// Throws soma::Error for gamma outside [0, 1) (gamma = 1 need not converge with loops).
ValueIterationResult value_iteration(const TransitionModel& model, double gamma, double tolerance = 1e-10);

}  // namespace soma::rl
