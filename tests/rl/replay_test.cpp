// Tests of rl::ReplayBuffer: the ring's overwrite order, episode boundaries (terminated and
// truncated, and an observation that does not continue the stored sequence), frame stacks
// stored one frame per step and read back exactly, uniform sampling, prioritized sampling
// frequencies against p_i / sum p (chi-square with a fixed seed), importance weights and beta's
// schedule, the state_dict round trip, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/rl/replay.h"

namespace soma::rl {
namespace {

using test::throws_error_with;

Space box2() { return Space::box({2}, {-1e9, -1e9}, {1e9, 1e9}); }
Tensor obs2(double t) { return tensor({float(t), float(-t)}); }

TEST(ReplayBuffer, RingKeepsTheNewestTransitionsInOrder) {
  ReplayBuffer replay(box2(), {.capacity = 5});
  for (int t = 0; t < 8; ++t) replay.add(obs2(t), t % 2, 0.5 * t, obs2(t + 1), false, false);
  EXPECT_EQ(replay.size(), 5);
  EXPECT_EQ(replay.added(), 8);
  EXPECT_EQ(replay.oldest(), 3);
  const std::vector<std::int64_t> ids = {3, 4, 5, 6, 7};
  const ReplaySample s = replay.get(ids);
  for (int b = 0; b < 5; ++b) {
    const int t = 3 + b;
    EXPECT_EQ(s.observations.at({b, 0}), t);
    EXPECT_EQ(s.observations.at({b, 1}), -t);
    EXPECT_EQ(s.next_observations.at({b, 0}), t + 1);
    EXPECT_EQ(s.actions.at({b}), t % 2);
    EXPECT_EQ(s.rewards.at({b}), 0.5 * t);
    EXPECT_EQ(s.terminated.at({b}), 0);
    EXPECT_EQ(s.weights.at({b}), 1);
  }
  const std::vector<std::int64_t> gone = {2};
  EXPECT_TRUE(throws_error_with([&] { replay.get(gone); }, {"ReplayBuffer", "transition 2", "3 to 7"}));
}

TEST(ReplayBuffer, EpisodeBoundariesKeepEveryNextObservation) {
  ReplayBuffer replay(box2(), {.capacity = 10});
  replay.add(obs2(0), 0, 1, obs2(1), false, false);
  replay.add(obs2(1), 1, 1, obs2(2), true, false);     // terminated: s' = 2 is kept, not bootstrapped
  replay.add(obs2(10), 0, 1, obs2(11), false, false);  // a new episode
  replay.add(obs2(11), 1, 1, obs2(12), false, true);   // truncated: s' = 12 kept for the bootstrap
  replay.add(obs2(20), 0, 1, obs2(21), false, false);
  replay.add(obs2(30), 1, 1, obs2(31), false, false);  // no end signalled, but not s' = 21: a new sequence
  const std::vector<std::int64_t> ids = {0, 1, 2, 3, 4, 5};
  const ReplaySample s = replay.get(ids);
  const double obs[] = {0, 1, 10, 11, 20, 30}, next[] = {1, 2, 11, 12, 21, 31}, done[] = {0, 1, 0, 0, 0, 0};
  for (int b = 0; b < 6; ++b) {
    EXPECT_EQ(s.observations.at({b, 1}), -obs[b]) << b;
    EXPECT_EQ(s.next_observations.at({b, 0}), next[b]) << b;
    EXPECT_EQ(s.terminated.at({b}), done[b]) << b;
  }
}

// A frame stack of k = 4 frames of 6x5 pixels: frame t has values (7t + i) mod 256, and an
// episode's first observation repeats its first frame (as Gymnasium's FrameStack does).
Tensor stack_of(int first_of_episode, int t) {
  Tensor x({4, 6, 5}, DType::f32);
  for (int j = 0; j < 4; ++j) {
    const int frame = std::max(first_of_episode, t - 3 + j);
    for (int i = 0; i < 30; ++i) x.data<float>()[j * 30 + i] = float((7 * frame + i) % 256);
  }
  return x;
}

TEST(ReplayBuffer, StackedFramesAreStoredOncePerStepAndReadBackExactly) {
  const std::int64_t capacity = 200;
  ReplayBuffer replay(Space::pixels({4, 6, 5}), {.capacity = capacity, .seed = 3});
  EXPECT_EQ(replay.frames_per_observation(), 4);
  int start = 0;
  for (int t = 0; t < 1000; ++t) {
    const bool end = (t + 1) % 50 == 0;  // episodes of 50 steps
    replay.add(stack_of(start, t), t % 3, 1, stack_of(start, t + 1), end, false);
    if (end) start = t + 1;
  }
  // One byte per pixel and about one frame per step (capacity + 25% for episode starts): a
  // float32 buffer of both stacks would take 2 * 4 * 4 = 32 bytes per pixel per step.
  EXPECT_LE(replay.observation_bytes(), std::int64_t(1.3 * capacity * 30));
  EXPECT_EQ(replay.size(), capacity);  // no transition had to leave early: the frames sufficed
  const ReplaySample s = replay.sample(64);
  for (std::int64_t b = 0; b < 64; ++b) {
    const int t = int(s.ids[b]), first = t / 50 * 50;
    for (int i = 0; i < 120; ++i) {
      ASSERT_EQ(s.observations.data<float>()[b * 120 + i], stack_of(first, t).data<float>()[i]) << t;
      ASSERT_EQ(s.next_observations.data<float>()[b * 120 + i], stack_of(first, t + 1).data<float>()[i]) << t;
    }
  }
}

TEST(ReplayBuffer, ShortEpisodesMakeTheOldestLeaveEarlyButNeverCorrupt) {
  ReplayBuffer replay(Space::pixels({4, 6, 5}), {.capacity = 40});
  int start = 0;
  for (int t = 0; t < 300; ++t) {
    const bool end = (t + 1) % 2 == 0;  // two-step episodes: 4 + 1 + 1 frames per 2 steps
    replay.add(stack_of(start, t), 0, 1, stack_of(start, t + 1), end, false);
    if (end) start = t + 1;
  }
  EXPECT_LT(replay.size(), 40);
  EXPECT_GT(replay.size(), 10);
  for (std::int64_t id = replay.oldest(); id < replay.added(); ++id) {
    const std::vector<std::int64_t> one = {id};
    const ReplaySample s = replay.get(one);
    const int t = int(id), first = t / 2 * 2;
    for (int i = 0; i < 120; ++i) ASSERT_EQ(s.next_observations.data<float>()[i], stack_of(first, t + 1).data<float>()[i]);
  }
}

TEST(ReplayBuffer, UniformSamplingIsSeededAndCoversTheBuffer) {
  ReplayBuffer a(box2(), {.capacity = 10, .seed = 9}), b(box2(), {.capacity = 10, .seed = 9});
  for (int t = 0; t < 10; ++t) {
    a.add(obs2(t), 0, t, obs2(t + 1), false, false);
    b.add(obs2(t), 0, t, obs2(t + 1), false, false);
  }
  std::vector<int> count(10, 0);
  for (int i = 0; i < 100; ++i) {
    const ReplaySample sa = a.sample(10), sb = b.sample(10);
    EXPECT_EQ(sa.ids, sb.ids);
    for (auto id : sa.ids) ++count[id];
  }
  for (int c : count) EXPECT_GT(c, 50);  // 100 expected each
}

// Prioritized replay with alpha 1: priorities 1, 2, 3, 4 (|delta| + epsilon) must be drawn in
// proportion 0.1, 0.2, 0.3, 0.4.
TEST(ReplayBuffer, PrioritizedSamplingFollowsThePriorities) {
  ReplayBuffer replay(box2(), {.capacity = 4, .seed = 11, .prioritized = true, .alpha = 1, .priority_epsilon = 1e-9});
  for (int t = 0; t < 4; ++t) replay.add(obs2(t), 0, 0, obs2(t + 1), false, false);
  const std::vector<std::int64_t> ids = {0, 1, 2, 3};
  const std::vector<double> td = {-1, 2, -3, 4};
  replay.update_priorities(ids, td);
  std::vector<double> count(4, 0);
  const int draws = 20000;
  for (int i = 0; i < draws / 8; ++i)
    for (auto id : replay.sample(8).ids) ++count[id];
  double chi2 = 0;
  for (int i = 0; i < 4; ++i) {
    const double expected = draws * (i + 1) / 10.0;
    chi2 += (count[i] - expected) * (count[i] - expected) / expected;
  }
  EXPECT_LT(chi2, 16.27) << count[0] << " " << count[1] << " " << count[2] << " " << count[3];  // 3 dof, p = 0.001
}

TEST(ReplayBuffer, ImportanceWeightsAndBetaSchedule) {
  ReplayBuffer replay(box2(), {.capacity = 8, .seed = 2, .prioritized = true, .alpha = 0.5, .beta = 0.4,
                               .beta_steps = 10, .priority_epsilon = 1e-9});
  for (int t = 0; t < 3; ++t) replay.add(obs2(t), 0, 0, obs2(t + 1), false, false);
  const std::vector<std::int64_t> ids = {0, 1, 2};
  const std::vector<double> td = {1, 4, 16};  // p = sqrt: 1, 2, 4
  replay.update_priorities(ids, td);
  EXPECT_DOUBLE_EQ(replay.beta(), 0.4);
  const ReplaySample s = replay.sample(16);
  EXPECT_NEAR(replay.beta(), 0.46, 1e-12);
  for (int b = 0; b < 16; ++b) {
    // w_i = (N P(i))^-beta / max_j (N P(j))^-beta = (p_min / p_i)^beta with beta 0.4
    const double p = std::pow(td[s.ids[b]], 0.5);
    EXPECT_NEAR(s.weights.at({b}), std::pow(1 / p, 0.4), 1e-6);
  }
  for (int i = 0; i < 20; ++i) replay.sample(1);
  EXPECT_EQ(replay.beta(), 1);
  // A new transition gets the largest priority so far.
  replay.add(obs2(3), 0, 0, obs2(4), false, false);
  EXPECT_NEAR(replay.priorities()->get(3), 4, 1e-6);  // (16 + epsilon)^0.5
}

TEST(ReplayBuffer, StateDictRoundTripContinuesIdentically) {
  for (bool prioritized : {false, true}) {
    ReplayBuffer a(Space::pixels({4, 6, 5}), {.capacity = 30, .seed = 4, .prioritized = prioritized});
    int start = 0;
    for (int t = 0; t < 47; ++t) {
      const bool end = (t + 1) % 9 == 0;
      a.add(stack_of(start, t), t % 2, t, stack_of(start, t + 1), end, false);
      if (end) start = t + 1;
    }
    if (prioritized) {
      const ReplaySample s = a.sample(5);
      a.update_priorities(s.ids, std::vector<double>{0.1, 2, 3, 0.5, 1});
    }
    ReplayBuffer b(Space::pixels({4, 6, 5}), {.capacity = 30, .seed = 99, .prioritized = prioritized});
    b.load_state_dict(a.state_dict());
    b.generator().set_state(a.generator().state());
    for (int t = 47; t < 60; ++t) {
      a.add(stack_of(start, t), 1, t, stack_of(start, t + 1), false, false);
      b.add(stack_of(start, t), 1, t, stack_of(start, t + 1), false, false);
    }
    const ReplaySample sa = a.sample(32), sb = b.sample(32);
    EXPECT_EQ(sa.ids, sb.ids);
    for (std::int64_t i = 0; i < sa.observations.numel(); ++i)
      ASSERT_EQ(sa.observations.data<float>()[i], sb.observations.data<float>()[i]);
    for (std::int64_t i = 0; i < 32; ++i) EXPECT_EQ(sa.weights.at({i}), sb.weights.at({i}));
  }
  ReplayBuffer small(box2(), {.capacity = 3});
  ReplayBuffer big(box2(), {.capacity = 4});
  EXPECT_TRUE(throws_error_with([&] { big.load_state_dict(small.state_dict()); }, {"ReplayBuffer", "frames", "other options"}));
}

TEST(ReplayBuffer, ErrorsNameWhatIsWrong) {
  EXPECT_TRUE(throws_error_with([] { ReplayBuffer(Space::discrete(4)); }, {"ReplayBuffer", "discrete"}));
  EXPECT_TRUE(throws_error_with([] { ReplayBuffer(box2(), {.capacity = 0}); }, {"ReplayBuffer", "capacity"}));
  EXPECT_TRUE(throws_error_with([] { ReplayBuffer(box2(), {.frames = 3}); }, {"ReplayBuffer", "frames 3"}));
  ReplayBuffer replay(box2(), {.capacity = 3});
  EXPECT_TRUE(throws_error_with([&] { replay.sample(4); }, {"ReplayBuffer", "empty"}));
  EXPECT_TRUE(throws_error_with([&] { replay.add(tensor({1, 2, 3}), 0, 0, obs2(1), false, false); },
                                {"ReplayBuffer", "observation", "[3]"}));
  const std::vector<std::int64_t> ids = {0};
  const std::vector<double> td = {1};
  EXPECT_TRUE(throws_error_with([&] { replay.update_priorities(ids, td); }, {"ReplayBuffer", "prioritized"}));
  ReplayBuffer pixels(Space::pixels({1, 2, 2}));
  EXPECT_TRUE(throws_error_with([&] { pixels.add(full({1, 2, 2}, 0.5), 0, 0, zeros({1, 2, 2}), false, false); },
                                {"ReplayBuffer", "0.5", "0..255"}));
}

}  // namespace
}  // namespace soma::rl
