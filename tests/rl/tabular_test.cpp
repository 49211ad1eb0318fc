// Tabular learning: the TD targets by hand, value iteration's known values, and Q-learning and
// SARSA learning FrozenLake's best policies (several seeds; fast: well under a second).
#include "soma/rl/tabular.h"

#include <gtest/gtest.h>

#include <cmath>

#include "soma/core/error.h"
#include "soma/rl/cartpole.h"
#include "soma/rl/frozen_lake.h"

namespace soma::rl {
namespace {

using Method = TabularOptions::Method;

TEST(Tabular, QTableGreedyTakesTheFirstOfEqualMaxima) {
  QTable q(2, 3);
  EXPECT_EQ(q.greedy(0), 0);
  q.at(0, 1) = 2, q.at(0, 2) = 2;
  EXPECT_EQ(q.greedy(0), 1);
  EXPECT_EQ(q.max(0), 2);
  EXPECT_THROW(QTable(0, 3), Error);
}

TEST(Tabular, EpsilonFallsLinearlyThenStays) {
  const EpsilonSchedule e{.start = 1.0, .end = 0.1, .episodes = 10};
  EXPECT_DOUBLE_EQ(e.at(0), 1.0);
  EXPECT_DOUBLE_EQ(e.at(5), 0.55);
  EXPECT_DOUBLE_EQ(e.at(10), 0.1);
  EXPECT_DOUBLE_EQ(e.at(1000), 0.1);
}

TEST(Tabular, TdTargetsOfQLearningAndSarsa) {
  QTable q(3, 2);
  q.at(2, 0) = 4, q.at(2, 1) = 10;
  // Q-learning bootstraps from the best next action, SARSA from the one taken (0 here).
  EXPECT_DOUBLE_EQ(td_target(q, Method::q_learning, 1.0, 2, 0, false, 0.5), 1.0 + 0.5 * 10);
  EXPECT_DOUBLE_EQ(td_target(q, Method::sarsa, 1.0, 2, 0, false, 0.5), 1.0 + 0.5 * 4);
  // Terminated: the reward alone. (A truncated step is "not terminated" and bootstraps, above.)
  EXPECT_DOUBLE_EQ(td_target(q, Method::q_learning, 1.0, 2, 0, true, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(td_target(q, Method::sarsa, 1.0, 2, 1, true, 0.5), 1.0);
}

TEST(Tabular, ValueIterationOnPlainIceDiscountsTheShortestPath) {
  FrozenLake lake({.slippery = false});
  const ValueIterationResult vi = value_iteration(lake.model(), 0.9);
  EXPECT_NEAR(vi.values[0], std::pow(0.9, 5), 1e-9);   // the goal is 6 steps away, reward on the 6th
  EXPECT_NEAR(vi.values[14], 1.0, 1e-9);               // one step
  EXPECT_EQ(vi.values[5], 0.0);                         // a hole
  EXPECT_EQ(evaluate_policy(lake, vi.policy, 10, 0), 1.0);
  EXPECT_THROW(value_iteration(lake.model(), 1.0), Error);
}

TEST(Tabular, ValueIterationOnSlipperyIceSatisfiesBellman) {
  FrozenLake lake;
  const double gamma = 0.99;
  const ValueIterationResult vi = value_iteration(lake.model(), gamma);
  for (std::int64_t s = 0; s < 16; ++s) {
    double best = -1;
    for (int a = 0; a < 4; ++a) {
      double v = 0;
      for (const Transition& t : lake.model()[s][a]) v += t.probability * (t.reward + (t.terminated ? 0 : gamma * vi.values[t.next]));
      best = std::max(best, v);
    }
    EXPECT_NEAR(vi.values[s], best, 1e-8) << "state " << s;
  }
  // The best policy reaches the goal about 74% of the time within the 100-step limit.
  const double rate = evaluate_policy(lake, vi.policy, 5000, 7);
  EXPECT_GT(rate, 0.71);
  EXPECT_LT(rate, 0.77);
}

TEST(Tabular, BothMethodsLearnTheShortestPathOnPlainIce) {
  for (Method method : {Method::q_learning, Method::sarsa})
    for (std::uint64_t seed : {0, 1, 2}) {
      FrozenLake lake({.slippery = false});
      const TabularResult r = train_tabular(lake, {.method = method, .episodes = 2000, .epsilon = {.episodes = 1000}, .seed = seed});
      ASSERT_EQ(r.episode_returns.size(), 2000u);
      // The greedy walk reaches the goal in the fewest steps: 6.
      lake.reset(0);
      std::int64_t s = 0, steps = 0;
      for (bool done = false; !done; ++steps) {
        const EnvStep step = lake.step(r.q.greedy(s));
        s = std::int64_t(step.observation.item());
        done = step.terminated || step.truncated;
      }
      EXPECT_EQ(s, 15) << "seed " << seed;
      EXPECT_EQ(steps, 6) << "seed " << seed;
    }
}

TEST(Tabular, OnSlipperyIceBothComeWithinAFewPointsOfTheBestPolicy) {
  FrozenLake lake;
  const double gamma = 0.99;
  const double best = evaluate_policy(lake, value_iteration(lake.model(), gamma).policy, 2000, 99);
  for (Method method : {Method::q_learning, Method::sarsa})
    for (std::uint64_t seed : {0, 1, 2}) {
      const TabularResult r = train_tabular(lake, {.method = method, .episodes = 20000, .gamma = gamma,
                                                   .epsilon = {.episodes = 10000}, .seed = seed});
      const double rate = evaluate_policy(lake, greedy_policy(r.q), 2000, 99);
      // Evaluation noise alone is about 0.014 per rate (2000 episodes at 74%).
      EXPECT_NEAR(rate, best, 0.04) << (method == Method::sarsa ? "SARSA" : "Q-learning") << ", seed " << seed;
    }
}

TEST(Tabular, RefusesEnvironmentsWithoutATable) {
  CartPole env;
  EXPECT_THROW(train_tabular(env, {}), Error);
}

}  // namespace
}  // namespace soma::rl
