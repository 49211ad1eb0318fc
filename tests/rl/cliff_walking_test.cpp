// CliffWalking's model as Gymnasium builds it, and Sutton and Barto's example 6.6: Q-learning
// learns the optimal path along the cliff edge, SARSA (on-policy, with epsilon-greedy
// exploration) a safer, longer one, and gets more reward while exploring.
#include "soma/rl/cliff_walking.h"

#include <gtest/gtest.h>

#include <numeric>

#include "soma/core/error.h"
#include "soma/rl/tabular.h"

namespace soma::rl {
namespace {

using Method = TabularOptions::Method;

TEST(CliffWalking, TheCliffSendsTheAgentBackAndTheGoalEndsTheEpisode) {
  CliffWalking env;
  const auto& P = env.model();
  ASSERT_EQ(P.size(), 48u);
  const Transition into_cliff = P[CliffWalking::start][CliffWalking::right][0];
  EXPECT_EQ(into_cliff.next, CliffWalking::start);
  EXPECT_EQ(into_cliff.reward, -100);
  EXPECT_FALSE(into_cliff.terminated);
  const Transition up = P[CliffWalking::start][CliffWalking::up][0];
  EXPECT_EQ(up.next, 24);
  EXPECT_EQ(up.reward, -1);
  const Transition goal = P[35][CliffWalking::down][0];
  EXPECT_EQ(goal.next, CliffWalking::goal);
  EXPECT_EQ(goal.reward, -1);
  EXPECT_TRUE(goal.terminated);
  EXPECT_EQ(P[0][CliffWalking::left][0].next, 0);  // the edge holds

  EXPECT_EQ(env.reset(0).item(), CliffWalking::start);
  const EnvStep s = env.step(CliffWalking::right);
  EXPECT_EQ(s.observation.item(), CliffWalking::start);
  EXPECT_EQ(s.reward, -100);
  EXPECT_FALSE(s.terminated || s.truncated);
}

// The return of the greedy walk (capped, since a poor table may walk in circles).
double greedy_return(const QTable& q) {
  CliffWalking env({.max_episode_steps = 100});
  std::int64_t s = std::int64_t(env.reset(0).item());
  double total = 0;
  for (bool done = false; !done;) {
    const EnvStep step = env.step(q.greedy(s));
    total += step.reward;
    s = std::int64_t(step.observation.item());
    done = step.terminated || step.truncated;
  }
  return total;
}

TEST(CliffWalking, QLearningWalksTheEdgeAndSarsaTheSaferPath) {
  // Sutton and Barto's setting (epsilon 0.1 throughout, undiscounted, 500 episodes) with alpha
  // 0.1 (with their 0.5 some seeds' SARSA tables walk greedily in circles).
  for (std::uint64_t seed : {0, 1, 2, 3, 4}) {
    double online[2];
    for (Method method : {Method::q_learning, Method::sarsa}) {
      CliffWalking env;
      const TabularResult r = train_tabular(env, {.method = method, .episodes = 500, .alpha = 0.1, .gamma = 1.0,
                                                  .epsilon = {.start = 0.1, .end = 0.1, .episodes = 0}, .seed = seed});
      const double walk = greedy_return(r.q);
      if (method == Method::q_learning)
        EXPECT_EQ(walk, -13) << "seed " << seed;  // the shortest path: 13 steps along the edge
      else {
        EXPECT_LT(walk, -13) << "seed " << seed;  // a detour away from the edge...
        EXPECT_GE(walk, -17) << "seed " << seed;  // ...of at most two rows up
      }
      online[method == Method::sarsa] =
          std::accumulate(r.episode_returns.end() - 100, r.episode_returns.end(), 0.0) / 100;
    }
    // While exploring, the edge costs Q-learning falls into the cliff.
    EXPECT_GT(online[1], online[0]) << "seed " << seed;
  }
}

}  // namespace
}  // namespace soma::rl
