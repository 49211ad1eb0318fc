// VectorEnv against N separate environments stepped by hand with Gymnasium 1.x's next-step
// autoreset, and its checkpoint.
#include "soma/rl/vector_env.h"

#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/rl/cartpole.h"
#include "soma/rl/frozen_lake.h"

namespace soma::rl {
namespace {

std::unique_ptr<Environment> cartpole() { return std::make_unique<CartPole>(CartPoleOptions{.max_episode_steps = 30}); }

TEST(VectorEnv, MatchesSeparateEnvironmentsWithNextStepAutoreset) {
  constexpr int n = 4;
  VectorEnv envs(cartpole, n);
  std::vector<std::unique_ptr<Environment>> single;
  for (int i = 0; i < n; ++i) single.push_back(cartpole());

  const Tensor first = envs.reset(100);
  ASSERT_EQ(first.shape(), Shape({n, 4}));
  std::vector<bool> restart(n, false);
  for (int i = 0; i < n; ++i) {
    const Tensor obs = single[i]->reset(100 + i);  // copy i is seeded with seed + i
    for (int k = 0; k < 4; ++k) ASSERT_EQ(first.data<float>()[i * 4 + k], obs.data<float>()[k]);
  }
  int restarts = 0, terminations = 0, truncations = 0;
  for (int t = 0; t < 200; ++t) {
    std::vector<std::int64_t> actions(n);
    // Copies 0 and 1 alternate pushes (the pole stays up until truncation), 2 and 3 drift and fall.
    for (int i = 0; i < n; ++i) actions[i] = i < 2 ? (t + i) % 2 : (t * 7 + i * 3) % 5 < 2;
    const VectorStep s = envs.step(actions);
    for (int i = 0; i < n; ++i) {
      Tensor obs;
      double reward = 0;
      bool terminated = false, truncated = false;
      if (restart[i]) {  // the step after an end: reset, reward 0, no flags, action ignored
        obs = single[i]->reset();
        restart[i] = false;
        ++restarts;
      } else {
        const EnvStep e = single[i]->step(actions[i]);
        obs = e.observation, reward = e.reward, terminated = e.terminated, truncated = e.truncated;
        restart[i] = terminated || truncated;
        terminations += terminated, truncations += truncated;
      }
      ASSERT_EQ(s.rewards[i], reward) << "step " << t << ", copy " << i;
      ASSERT_EQ(s.terminated[i], terminated) << "step " << t << ", copy " << i;
      ASSERT_EQ(s.truncated[i], truncated) << "step " << t << ", copy " << i;
      for (int k = 0; k < 4; ++k) ASSERT_EQ(s.observations.data<float>()[i * 4 + k], obs.data<float>()[k]);
    }
  }
  // Both kinds of ends happened, and restarts followed them.
  EXPECT_GT(terminations, 0);
  EXPECT_GT(truncations, 0);
  EXPECT_GT(restarts, 8);
}

TEST(VectorEnv, BatchesDiscreteObservations) {
  VectorEnv envs([] { return std::make_unique<FrozenLake>(); }, 3);
  const Tensor obs = envs.reset(0);
  EXPECT_EQ(obs.shape(), Shape({3}));
  EXPECT_EQ(obs.dtype(), DType::i64);
  const std::int64_t actions[] = {1, 2, 0};
  EXPECT_EQ(envs.step(actions).observations.shape(), Shape({3}));
}

TEST(VectorEnv, RejectsWrongActionCountsAndMixedSpaces) {
  VectorEnv envs(cartpole, 2);
  const std::int64_t one[] = {0};
  EXPECT_THROW(envs.step(one), Error);  // also before reset
  envs.reset(0);
  EXPECT_THROW(envs.step(one), Error);
  std::vector<std::unique_ptr<Environment>> mixed;
  mixed.push_back(cartpole());
  mixed.push_back(std::make_unique<FrozenLake>());
  EXPECT_THROW(VectorEnv{std::move(mixed)}, Error);
}

TEST(VectorEnv, ResumesFromItsStateAndTheCopiesGenerators) {
  VectorEnv a(cartpole, 3), b(cartpole, 3);
  a.reset(5);
  const std::int64_t push[] = {1, 1, 0};
  for (int t = 0; t < 12; ++t) a.step(push);  // some copies have ended and wait for a restart
  b.load_state_dict(a.state_dict());
  for (int i = 0; i < 3; ++i) b.env(i).generator().set_state(a.env(i).generator().state());
  for (int t = 0; t < 60; ++t) {
    const VectorStep x = a.step(push), y = b.step(push);
    ASSERT_EQ(x.terminated, y.terminated);
    ASSERT_EQ(x.rewards, y.rewards);
    for (int k = 0; k < 12; ++k) ASSERT_EQ(x.observations.data<float>()[k], y.observations.data<float>()[k]);
  }
}

}  // namespace
}  // namespace soma::rl
