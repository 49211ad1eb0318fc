// CartPole-v1 against trajectories written from Gymnasium's equations by
// tests/reference/make_cartpole_reference.py, and the Environment contract: errors, seeding,
// checkpoints.
#include "soma/rl/cartpole.h"

#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/core/error.h"

namespace soma::rl {
namespace {

CartPole::State state_of(const test::reference::Json& j) { return {j[0], j[1], j[2], j[3]}; }

TEST(CartPole, FollowsGymnasiumsEquationsStepByStep) {
  const auto reference = test::reference::load("cartpole.json");
  ASSERT_GE(reference["cases"].size(), 5u);
  for (const auto& c : reference["cases"]) {
    CartPole env;
    env.reset_to(state_of(c["start"]));
    for (const auto& row : c["steps"]) {
      const EnvStep s = env.step(row["action"].get<std::int64_t>());
      const CartPole::State expected = state_of(row["state"]);
      for (int i = 0; i < 4; ++i) {
        ASSERT_DOUBLE_EQ(env.state()[i], expected[i]) << "step " << env.episode_steps() << ", variable " << i;
        ASSERT_EQ(s.observation.data<float>()[i], float(expected[i]));  // the observation is float32
      }
      ASSERT_EQ(s.reward, row["reward"].get<double>());
      ASSERT_EQ(s.terminated, row["terminated"].get<bool>()) << "step " << env.episode_steps();
      ASSERT_EQ(s.truncated, row["truncated"].get<bool>()) << "step " << env.episode_steps();
    }
    // The episode ended exactly where the reference's did.
    EXPECT_THROW(env.step(0), Error);
  }
}

TEST(CartPole, SpacesAreGymnasiums) {
  CartPole env;
  EXPECT_EQ(env.action_space().kind, Space::Kind::discrete);
  EXPECT_EQ(env.action_space().n, 2);
  EXPECT_EQ(env.observation_space().shape, Shape({4}));
  EXPECT_DOUBLE_EQ(env.observation_space().high[0], 4.8);
  EXPECT_DOUBLE_EQ(env.observation_space().high[2], 2 * 12 * 2 * 3.141592653589793 / 360);
}

TEST(CartPole, ResetDrawsSmallStatesAndASeedRepeatsThem) {
  CartPole a, b;
  const Tensor first = a.reset(7), again = b.reset(7);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(first.data<float>()[i], again.data<float>()[i]);
    EXPECT_GT(a.state()[i], -0.05);
    EXPECT_LT(a.state()[i], 0.05);
  }
  const Tensor next = a.reset();  // no seed: draws on
  EXPECT_NE(next.data<float>()[0], first.data<float>()[0]);
}

TEST(CartPole, RejectsBadActionsAndStepsOutsideAnEpisode) {
  CartPole env;
  EXPECT_THROW(env.step(0), Error);  // before reset
  env.reset(0);
  try {
    env.step(2);
    FAIL() << "action 2 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CartPole-v1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("got 2"), std::string::npos) << e.what();
  }
}

TEST(CartPole, TruncatesAtItsTimeLimit) {
  CartPole env({.max_episode_steps = 3});
  env.reset_to({0, 0, 0, 0});
  EXPECT_FALSE(env.step(1).truncated);
  EXPECT_FALSE(env.step(0).truncated);
  const EnvStep last = env.step(1);
  EXPECT_TRUE(last.truncated);
  EXPECT_FALSE(last.terminated);
}

TEST(CartPole, ResumesExactlyFromItsStateAndGenerator) {
  CartPole env;
  env.reset(3);
  for (int i = 0; i < 5; ++i) env.step(i % 2);
  const auto saved = env.state_dict();
  const std::string rng = env.generator().state();

  CartPole resumed;
  resumed.load_state_dict(saved);
  resumed.generator().set_state(rng);
  for (int i = 0; i < 5; ++i) {
    const EnvStep x = env.step(1), y = resumed.step(1);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(env.state()[k], resumed.state()[k]);
    EXPECT_EQ(x.terminated, y.terminated);
    if (x.terminated) break;
  }
  env.reset(), resumed.reset();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(env.state()[k], resumed.state()[k]);  // the generator came along
}

TEST(CartPole, LoadStateDictNamesWhatIsMissing) {
  CartPole env;
  auto state = env.state_dict();
  state.erase("steps");
  try {
    env.load_state_dict(state);
    FAIL() << "a state without steps was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"steps\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace soma::rl
