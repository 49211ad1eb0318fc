// FrozenLake's model as Gymnasium builds it, its deterministic mode, sampling frequencies that
// match the model, and the Environment contract.
#include "soma/rl/frozen_lake.h"

#include <gtest/gtest.h>

#include <cmath>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {
namespace {

std::int64_t cell(const Tensor& obs) { return std::int64_t(obs.item()); }

TEST(FrozenLake, SlipperyModelHasThreeEqualOutcomes) {
  FrozenLake env;
  const auto& P = env.model();
  ASSERT_EQ(P.size(), 16u);
  // From the start (0), "down": slides left (stays at 0), down (4) or right (1), 1/3 each.
  const auto& down = P[0][FrozenLake::down];
  ASSERT_EQ(down.size(), 3u);
  EXPECT_EQ(down[0].next, 0);
  EXPECT_EQ(down[1].next, 4);
  EXPECT_EQ(down[2].next, 1);
  for (const Transition& t : down) {
    EXPECT_DOUBLE_EQ(t.probability, 1.0 / 3.0);
    EXPECT_EQ(t.reward, 0);
    EXPECT_FALSE(t.terminated);
  }
  // From 14, "right" slides down (the edge: stays at 14), goes right to the goal (15: reward 1,
  // terminal) or slides up (10), in Gymnasium's order (a - 1) % 4, a, (a + 1) % 4.
  const auto& right = P[14][FrozenLake::right];
  EXPECT_EQ(right[0].next, 14);
  EXPECT_EQ(right[1].next, 15);
  EXPECT_EQ(right[2].next, 10);
  EXPECT_EQ(right[1].reward, 1);
  EXPECT_TRUE(right[1].terminated);
  // Into a hole (5): terminal, no reward. Holes and the goal absorb.
  EXPECT_TRUE(P[1][FrozenLake::down][1].terminated);
  EXPECT_EQ(P[1][FrozenLake::down][1].next, 5);
  for (std::int64_t s : {5, 7, 11, 12, 15})
    for (int a = 0; a < 4; ++a) {
      ASSERT_EQ(P[s][a].size(), 1u);
      EXPECT_EQ(P[s][a][0].next, s);
      EXPECT_TRUE(P[s][a][0].terminated);
    }
  for (std::int64_t s = 0; s < 16; ++s)
    for (int a = 0; a < 4; ++a) {
      double sum = 0;
      for (const Transition& t : P[s][a]) sum += t.probability;
      EXPECT_NEAR(sum, 1.0, 1e-12);
    }
}

TEST(FrozenLake, DeterministicIceFollowsTheShortestPath) {
  FrozenLake env({.slippery = false});
  EXPECT_EQ(cell(env.reset(0)), 0);
  const FrozenLake::Action path[] = {FrozenLake::down, FrozenLake::down, FrozenLake::right,
                                     FrozenLake::right, FrozenLake::down, FrozenLake::right};
  const std::int64_t cells[] = {4, 8, 9, 10, 14, 15};
  for (int i = 0; i < 6; ++i) {
    const EnvStep s = env.step(path[i]);
    EXPECT_EQ(cell(s.observation), cells[i]);
    EXPECT_EQ(s.reward, i == 5 ? 1.0 : 0.0);
    EXPECT_EQ(s.terminated, i == 5);
  }
  EXPECT_THROW(env.step(0), Error);
  env.reset();
  EXPECT_EQ(cell(env.step(FrozenLake::left).observation), 0);  // the edge holds
  EXPECT_TRUE(env.step(FrozenLake::right).observation.item() == 1);
  EXPECT_TRUE(env.step(FrozenLake::down).terminated);  // cell 5 is a hole
}

TEST(FrozenLake, SampledMovesFollowTheModel) {
  FrozenLake env;
  env.reset(123);
  std::map<std::int64_t, int> landed;
  constexpr int trials = 30000;
  for (int i = 0; i < trials; ++i) {
    env.load_state_dict({{"state", scalar(6, DType::i64)}, {"steps", scalar(0, DType::i64)}, {"phase", scalar(1, DType::i64)}});
    ++landed[cell(env.step(FrozenLake::up).observation)];  // from 6, up: left 5, up 2, right 7
  }
  ASSERT_EQ(landed.size(), 3u);
  for (std::int64_t next : {5, 2, 7})
    EXPECT_NEAR(landed[next] / double(trials), 1.0 / 3.0, 0.015) << "landed on " << next;  // ~5.5 sigma
}

TEST(FrozenLake, TruncatesAfterItsTimeLimit) {
  FrozenLake env({.slippery = false, .max_episode_steps = 100});
  env.reset(0);
  for (int t = 1; t < 100; ++t) ASSERT_FALSE(env.step(FrozenLake::left).truncated) << t;
  const EnvStep last = env.step(FrozenLake::left);
  EXPECT_TRUE(last.truncated);
  EXPECT_FALSE(last.terminated);
}

TEST(FrozenLake, SeedsRepeatAndCheckpointsResume) {
  FrozenLake a, b;
  a.reset(9), b.reset(9);
  for (int t = 0; t < 5; ++t) {
    const EnvStep x = a.step(t % 4), y = b.step(t % 4);
    ASSERT_EQ(cell(x.observation), cell(y.observation));
    if (x.terminated) a.reset(), b.reset();
  }
  FrozenLake c;
  c.load_state_dict(a.state_dict());
  c.generator().set_state(a.generator().state());
  for (int t = 0; t < 50; ++t) {
    const EnvStep x = a.step(2), y = c.step(2);
    ASSERT_EQ(cell(x.observation), cell(y.observation));
    if (x.terminated || x.truncated) a.reset(), c.reset();
  }
}

TEST(FrozenLake, RejectsBadMapsAndActions) {
  EXPECT_THROW(FrozenLake({.map = {"SF", "F"}}), Error);
  EXPECT_THROW(FrozenLake({.map = {"SX"}}), Error);
  EXPECT_THROW(FrozenLake({.map = {"FF"}}), Error);
  FrozenLake env;
  env.reset(0);
  EXPECT_THROW(env.step(4), Error);
}

}  // namespace
}  // namespace soma::rl
