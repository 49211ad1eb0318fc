// Tests of rl::DqnLearner: one update computed by hand (TD target, Huber gradient, terminal
// transitions, Double DQN's action from the online network), the target network's hard copy
// and Polyak average, the epsilon schedule, the step values under train::Loop, greedy
// evaluation, exact resume from a checkpoint with the replay buffer, and option errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/io/weights.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/optim/adam.h"
#include "soma/optim/sgd.h"
#include "soma/rl/cartpole.h"
#include "soma/rl/dqn.h"
#include "soma/train/lambda_callback.h"
#include "soma/train/loop.h"

namespace soma::rl {
namespace {

using test::throws_error_with;

// A one-dimensional world whose step is scripted: observation [x], two actions.
class Scripted : public Environment {
 public:
  std::string name() const override { return "Scripted"; }
  const Space& observation_space() const override { return obs_; }
  const Space& action_space() const override { return act_; }
  Tensor reset(std::optional<std::uint64_t>) override { return tensor({1.0f}); }
  EnvStep step(std::int64_t) override { return {tensor({2.0f}), 0.5, terminated, false}; }
  Generator& generator() override { return gen_; }
  std::map<std::string, Tensor> state_dict() const override { return {}; }
  void load_state_dict(const std::map<std::string, Tensor>&) override {}
  bool terminated = false;

 private:
  Space obs_ = Space::box({1}, {-10}, {10}), act_ = Space::discrete(2);
  Generator gen_;
};

// Q(s) = W s + b for a 1-D s and two actions: Q(s) = (w0 s + b0, w1 s + b1).
void set_linear(nn::Dense& q, float w0, float w1, float b0, float b1) {
  q.weight().data<float>()[0] = w0, q.weight().data<float>()[1] = w1;
  q.bias().data<float>()[0] = b0, q.bias().data<float>()[1] = b1;
}

struct HandCase {
  bool double_dqn, terminated;
  float online_w[2], target_w[2];
};

// One transition (s = 1, a = 0 or 1 by epsilon 1, r = 0.5, s' = 2) and one SGD step (lr 0.1):
// y = r + gamma (1 - done) Q_target(s', a'), d = Q(s, a) - y, Huber gradient clamp(d, -1, 1).
TEST(DqnLearner, OneUpdateMatchesTheFormulaComputedByHand) {
  const HandCase cases[] = {{false, false, {0.3f, -0.2f}, {0.5f, 0.1f}},
                            {false, true, {0.3f, -0.2f}, {0.5f, 0.1f}},
                            {true, false, {0.3f, 0.6f}, {0.5f, 0.1f}},
                            {false, false, {0.3f, 0.6f}, {5.0f, 0.1f}}};  // |d| > 1: the gradient is clipped
  for (const HandCase& c : cases) {
    Scripted env;
    env.terminated = c.terminated;
    nn::Dense online(1, 2), target(1, 2);
    set_linear(online, c.target_w[0], c.target_w[1], 0, 0);  // the target copies the online net at construction
    optim::SGD opt(online.parameters(), {.lr = 0.1});
    DqnLearner dqn(online, target, opt, env,
                   {.gamma = 0.9, .batch_size = 1, .learning_starts = 1000, .double_dqn = c.double_dqn,
                    .replay = {.capacity = 1}});
    set_linear(online, c.online_w[0], c.online_w[1], 0.05f, -0.05f);
    dqn.train_step({});  // stores the one transition, no update yet
    const std::int64_t a = dqn.replay().get(std::vector<std::int64_t>{0}).actions.at({0});
    const auto [loss, q] = dqn.update();

    const double b[2] = {0.05, -0.05};
    const double q_next_target[2] = {c.target_w[0] * 2.0, c.target_w[1] * 2.0};
    const double q_next_online[2] = {c.online_w[0] * 2.0 + b[0], c.online_w[1] * 2.0 + b[1]};
    const int a_next = c.double_dqn ? (q_next_online[1] > q_next_online[0]) : (q_next_target[1] > q_next_target[0]);
    const double y = 0.5 + (c.terminated ? 0.0 : 0.9 * q_next_target[a_next]);
    const double q_sa = c.online_w[a] * 1.0 + b[a];
    const double d = q_sa - y;
    const double huber = std::abs(d) < 1 ? 0.5 * d * d : std::abs(d) - 0.5;
    EXPECT_NEAR(q, q_sa, 1e-6);
    EXPECT_NEAR(loss, huber, 1e-6);
    const double grad = std::clamp(d, -1.0, 1.0);  // d loss / d Q(s, a); d Q / d w_a = s = 1
    EXPECT_NEAR(online.weight().data<float>()[a], c.online_w[a] - 0.1 * grad, 1e-6);
    EXPECT_NEAR(online.weight().data<float>()[1 - a], c.online_w[1 - a], 1e-7);  // the other action: no gradient
    EXPECT_NEAR(online.bias().data<float>()[a], b[a] - 0.1 * grad, 1e-6);
  }
}

TEST(DqnLearner, TargetNetworkIsCopiedOrAveraged) {
  Scripted env;
  nn::Dense online(1, 2), target(1, 2);
  set_linear(online, 1, 2, 3, 4);
  optim::SGD opt(online.parameters());
  DqnLearner hard(online, target, opt, env, {.target_update_interval = 3});
  EXPECT_EQ(target.weight().data<float>()[1], 2);  // copied at construction
  set_linear(online, 5, 6, 7, 8);
  hard.train_step({});
  hard.train_step({});
  EXPECT_EQ(target.weight().data<float>()[0], 1);
  hard.train_step({});  // step 3: the copy
  EXPECT_EQ(target.weight().data<float>()[0], 5);
  EXPECT_EQ(target.bias().data<float>()[1], 8);

  nn::Dense target2(1, 2);
  DqnLearner polyak(online, target2, opt, env, {.tau = 0.25});
  set_linear(online, 9, 10, 11, 12);
  polyak.update_target();
  EXPECT_FLOAT_EQ(target2.weight().data<float>()[0], 0.25f * 9 + 0.75f * 5);
  EXPECT_FLOAT_EQ(target2.bias().data<float>()[1], 0.25f * 12 + 0.75f * 8);
}

TEST(DqnLearner, EpsilonFallsLinearlyThenStays) {
  Scripted env;
  nn::Dense online(1, 2), target(1, 2);
  optim::SGD opt(online.parameters());
  DqnLearner dqn(online, target, opt, env, {.epsilon_start = 1, .epsilon_end = 0.1, .exploration_steps = 10});
  EXPECT_DOUBLE_EQ(dqn.epsilon(), 1);
  for (int i = 0; i < 5; ++i) dqn.train_step({});
  EXPECT_DOUBLE_EQ(dqn.epsilon(), 0.55);
  for (int i = 0; i < 20; ++i) dqn.train_step({});
  EXPECT_DOUBLE_EQ(dqn.epsilon(), 0.1);
}

nn::Sequential small_net(Generator& gen) {
  return nn::Sequential{nn::Dense(4, 16, gen), nn::ReLU(), nn::Dense(16, 2, gen)};
}

TEST(DqnLearner, LoopReportsStepValuesAndGreedyEvaluation) {
  Generator init(1);
  nn::Sequential online = small_net(init), target = small_net(init);
  optim::Adam opt(online.parameters(), {.lr = 1e-3});
  CartPole env, eval_env;
  DqnLearner dqn(online, target, opt, env,
                 {.batch_size = 8, .learning_starts = 50, .train_frequency = 2, .exploration_steps = 100, .seed = 3},
                 &eval_env);
  train::Loop loop(dqn);
  const auto history = loop.fit(steps(200), {.epochs = 1, .batch_size = 1, .shuffle = false,
                                             .validation = steps(2), .verbose = 0});
  EXPECT_EQ(dqn.env_steps(), 200);
  EXPECT_EQ(dqn.updates(), 75);  // steps 52, 54, ..., 200
  for (const char* name : {"loss", "q", "epsilon", "episode_return", "episode_length", "val_episode_return"})
    EXPECT_TRUE(history.values().count(name)) << name;
  // Every CartPole step pays 1, so an episode's return is its length.
  EXPECT_EQ(history["episode_return"][0], history["episode_length"][0]);
  const auto returns = evaluate_greedy(online, eval_env, 2, DqnOptions{}.eval_seed);
  EXPECT_DOUBLE_EQ(history["val_episode_return"][0], (returns[0] + returns[1]) / 2);
}

// The weights after 2 x 60 steps straight, and after 60, a checkpoint, and 60 more in a new
// process-like setup (fresh objects, resume_from): identical bit for bit, with the buffer.
TEST(DqnLearner, ResumedRunContinuesExactlyWithTheReplayBuffer) {
  const std::string path = (std::filesystem::temp_directory_path() / "soma_dqn_resume_test.safetensors").string();
  const DqnOptions options{.batch_size = 8, .learning_starts = 30, .target_update_interval = 7,
                           .exploration_steps = 80, .replay = {.capacity = 50, .seed = 5, .prioritized = true},
                           .checkpoint_replay = true, .seed = 2};
  std::int64_t steps_run = 0;  // Loop steps of the last run: the resumed one must take only the rest
  const auto run = [&](std::int64_t epochs, const std::string& save, const std::string& resume) {
    Generator init(4);
    nn::Sequential online = small_net(init), target = small_net(init);
    optim::Adam opt(online.parameters(), {.lr = 1e-2});
    CartPole env;
    DqnLearner dqn(online, target, opt, env, options);
    train::Loop loop(dqn);
    steps_run = 0;
    const train::LambdaCallback count({.on_batch_end = [&](train::Context&, std::int64_t, const train::Logs&) { ++steps_run; }});
    loop.fit(steps(60), {.epochs = epochs, .batch_size = 1, .shuffle = false, .callbacks = {count}, .verbose = 0,
                         .checkpoint_path = save, .checkpoint_every_n_batches = save.empty() ? 0 : 60,
                         .resume_from = resume});
    EXPECT_EQ(dqn.env_steps(), 60 * epochs);
    return io::state_dict(dqn.model());
  };
  const auto straight = run(2, "", "");
  EXPECT_EQ(steps_run, 120);
  run(1, path, "");
  const auto resumed = run(2, "", path);
  EXPECT_EQ(steps_run, 60);
  std::remove(path.c_str());
  ASSERT_EQ(straight.size(), resumed.size());
  for (std::size_t i = 0; i < straight.size(); ++i) {
    const Tensor& a = straight[i].second;
    const Tensor& b = resumed[i].second;
    ASSERT_EQ(a.numel(), b.numel());
    for (std::int64_t j = 0; j < a.numel(); ++j)
      ASSERT_EQ(a.data<float>()[j], b.data<float>()[j]) << straight[i].first << " element " << j;
  }
}

TEST(DqnLearner, BadOptionsThrowNamingTheOption) {
  Scripted env;
  nn::Dense online(1, 2), target(1, 2);
  optim::SGD opt(online.parameters());
  EXPECT_TRUE(throws_error_with([&] { DqnLearner(online, target, opt, env, {.gamma = 1.5}); }, {"DqnLearner", "gamma"}));
  EXPECT_TRUE(throws_error_with([&] { DqnLearner(online, target, opt, env, {.tau = 0}); }, {"DqnLearner", "tau"}));
  EXPECT_TRUE(throws_error_with([&] { DqnLearner(online, target, opt, env, {.train_frequency = 0}); },
                                {"DqnLearner", "train_frequency"}));
  nn::Dense wrong(1, 3);
  EXPECT_TRUE(throws_error_with([&] { DqnLearner(online, wrong, opt, env); }, {"DqnLearner", "target", "architecture"}));
  DqnLearner dqn(online, target, opt, env);
  EXPECT_TRUE(throws_error_with([&] { dqn.evaluate_step({}); }, {"DqnLearner", "evaluation environment"}));
}

}  // namespace
}  // namespace soma::rl
