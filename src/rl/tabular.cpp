#include "soma/rl/tabular.h"

#include <algorithm>
#include <cmath>

#include "soma/core/error.h"

namespace soma::rl {

QTable::QTable(std::int64_t states, std::int64_t actions) : states_(states), actions_(actions) {
  SOMA_CHECK(states >= 1 && actions >= 1, "QTable: needs at least one state and one action, got ", states, " x ",
             actions);
  q_.assign(std::size_t(states * actions), 0.0);
}

std::int64_t QTable::greedy(std::int64_t state) const {
  const double* row = q_.data() + state * actions_;
  return std::max_element(row, row + actions_) - row;  // the first of equal maxima
}

double EpsilonSchedule::at(std::int64_t episode) const {
  if (episodes <= 0 || episode >= episodes) return end;
  return start + (end - start) * double(episode) / double(episodes);
}

namespace {

std::int64_t state_of(const Tensor& observation) { return std::int64_t(observation.item()); }

void check_discrete(const Environment& env, const char* who) {
  SOMA_CHECK(env.observation_space().kind == Space::Kind::discrete && env.action_space().kind == Space::Kind::discrete,
             who, ": ", env.name(), " must have discrete observations and actions (a table has one row per state)");
}

std::int64_t epsilon_greedy(const QTable& q, std::int64_t state, double epsilon, Generator& gen) {
  if (gen.uniform() < epsilon) return std::int64_t(gen.below(std::uint64_t(q.actions())));
  return q.greedy(state);
}

}  // namespace

double td_target(const QTable& q, TabularOptions::Method method, double reward, std::int64_t next,
                 std::int64_t next_action, bool terminated, double gamma) {
  if (terminated) return reward;  // nothing follows: the value of what comes after is 0
  return reward + gamma * (method == TabularOptions::Method::sarsa ? q.at(next, next_action) : q.max(next));
}

TabularResult train_tabular(Environment& env, const TabularOptions& options) {
  check_discrete(env, "train_tabular");
  SOMA_CHECK(options.episodes >= 0, "train_tabular: episodes must not be negative, got ", options.episodes);
  TabularResult result{QTable(env.observation_space().n, env.action_space().n), {}};
  QTable& q = result.q;
  // The agent's own generator, apart from the environment's: exploration and the world's
  // randomness do not shift each other.
  Generator agent(options.seed ^ 0x9E3779B97F4A7C15ull);
  result.episode_returns.reserve(std::size_t(options.episodes));
  for (std::int64_t episode = 0; episode < options.episodes; ++episode) {
    const double epsilon = options.epsilon.at(episode);
    std::int64_t s = state_of(episode == 0 ? env.reset(options.seed) : env.reset());
    std::int64_t a = epsilon_greedy(q, s, epsilon, agent);
    double total = 0;
    for (bool done = false; !done;) {
      const EnvStep step = env.step(a);
      const std::int64_t next = state_of(step.observation);
      total += step.reward;
      done = step.terminated || step.truncated;
      // SARSA needs the next action before its update: the one taken next, or after a
      // truncation the one the policy would have taken.
      const std::int64_t next_action = epsilon_greedy(q, next, epsilon, agent);
      const double target = td_target(q, options.method, step.reward, next, next_action, step.terminated, options.gamma);
      q.at(s, a) += options.alpha * (target - q.at(s, a));
      s = next, a = next_action;
    }
    result.episode_returns.push_back(total);
  }
  return result;
}

std::vector<std::int64_t> greedy_policy(const QTable& q) {
  std::vector<std::int64_t> policy(std::size_t(q.states()));
  for (std::int64_t s = 0; s < q.states(); ++s) policy[s] = q.greedy(s);
  return policy;
}

double evaluate_policy(Environment& env, const std::vector<std::int64_t>& policy, std::int64_t episodes,
                       std::uint64_t seed) {
  check_discrete(env, "evaluate_policy");
  SOMA_CHECK(std::int64_t(policy.size()) == env.observation_space().n, "evaluate_policy: the policy has ",
             policy.size(), " entries, ", env.name(), " has ", env.observation_space().n, " states");
  SOMA_CHECK(episodes >= 1, "evaluate_policy: episodes must be at least 1, got ", episodes);
  double total = 0;
  for (std::int64_t e = 0; e < episodes; ++e) {
    std::int64_t s = state_of(e == 0 ? env.reset(seed) : env.reset());
    for (bool done = false; !done;) {
      const EnvStep step = env.step(policy[s]);
      total += step.reward;
      s = state_of(step.observation);
      done = step.terminated || step.truncated;
    }
  }
  return total / double(episodes);
}

ValueIterationResult value_iteration(const TransitionModel& model, double gamma, double tolerance) {
  SOMA_CHECK(gamma >= 0 && gamma < 1, "value_iteration: gamma must be in [0, 1), got ", gamma);
  SOMA_CHECK(!model.empty() && !model[0].empty(), "value_iteration: the model is empty");
  const auto states = std::int64_t(model.size()), actions = std::int64_t(model[0].size());
  ValueIterationResult out{std::vector<double>(std::size_t(states), 0.0), {}, QTable(states, actions), 0};
  const auto q_value = [&](std::int64_t s, std::int64_t a) {
    double sum = 0;
    for (const Transition& t : model[s][a])
      sum += t.probability * (t.reward + (t.terminated ? 0.0 : gamma * out.values[t.next]));
    return sum;
  };
  for (double change = tolerance + 1; change > tolerance; ++out.sweeps) {
    change = 0;
    for (std::int64_t s = 0; s < states; ++s) {  // in place (Gauss-Seidel): converges to the same fixed point
      double best = q_value(s, 0);
      for (std::int64_t a = 1; a < actions; ++a) best = std::max(best, q_value(s, a));
      change = std::max(change, std::abs(best - out.values[s]));
      out.values[s] = best;
    }
  }
  for (std::int64_t s = 0; s < states; ++s)
    for (std::int64_t a = 0; a < actions; ++a) out.q.at(s, a) = q_value(s, a);
  out.policy = greedy_policy(out.q);
  return out;
}

}  // namespace soma::rl
