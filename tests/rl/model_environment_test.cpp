// ModelEnvironment's checks of the model it is given, and its optional time limit.
#include "soma/rl/model_environment.h"

#include <gtest/gtest.h>

#include "soma/core/error.h"

namespace soma::rl {
namespace {

// Two states; action 0 stays, action 1 goes to the other state.
TransitionModel two_states() {
  return {{{{1.0, 0, 0.0, false}}, {{1.0, 1, 1.0, false}}}, {{{1.0, 1, 0.0, false}}, {{1.0, 0, 1.0, false}}}};
}

TEST(ModelEnvironment, RejectsModelsThatAreNotDistributions) {
  auto bad = two_states();
  bad[0][1][0].probability = 0.5;
  EXPECT_THROW(ModelEnvironment("m", bad, {0}, 0, 0), Error);
  bad = two_states();
  bad[1][0][0].next = 2;
  EXPECT_THROW(ModelEnvironment("m", bad, {0}, 0, 0), Error);
  bad = two_states();
  bad[1].pop_back();
  EXPECT_THROW(ModelEnvironment("m", bad, {0}, 0, 0), Error);
  EXPECT_THROW(ModelEnvironment("m", two_states(), {}, 0, 0), Error);
  EXPECT_THROW(ModelEnvironment("m", two_states(), {5}, 0, 0), Error);
  try {
    ModelEnvironment env("Toy", two_states(), {0}, 0, 0);
    env.reset(0);
    env.step(2);
    FAIL() << "action 2 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Toy"), std::string::npos) << e.what();
  }
}

TEST(ModelEnvironment, TimeLimitZeroMeansNone) {
  ModelEnvironment endless("m", two_states(), {0}, 0, 0), limited("m", two_states(), {0}, 3, 0);
  endless.reset(0), limited.reset(0);
  for (int t = 0; t < 1000; ++t) ASSERT_FALSE(endless.step(1).truncated);
  EXPECT_FALSE(limited.step(1).truncated);
  EXPECT_FALSE(limited.step(1).truncated);
  EXPECT_TRUE(limited.step(1).truncated);
  EXPECT_EQ(endless.observation_space().n, 2);
  EXPECT_EQ(endless.action_space().n, 2);
}

}  // namespace
}  // namespace soma::rl
