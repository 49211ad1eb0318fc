// Reinforcement-learning workload of shared/BENCHMARKS.md, end to end:
//   B11 dqn-cartpole: CartPole-v1 (Gymnasium's dynamics), Dense 4-128-128-2 ReLU, Huber TD
//   loss, target network copied every 500 steps, replay 50,000, epsilon-greedy (1 -> 0.05 over
//   10,000 steps), batch 64, one training step per environment step, Adam 1e-3:
//   env_steps_per_s, counting everything a step does (acting, the environment, storing,
//   sampling, the update, the Loop around it). Each repetition is a fresh agent: 1,000 steps fill
//   the buffer (not timed), then 2,000 steps with an update each are timed.
//   bench/torch_ref.py runs the same agent in PyTorch (bench/torch_dqn.py).
#include <soma/soma.h>
#include <soma/rl/cartpole.h>
#include <soma/rl/dqn.h>

#include <cstdint>

#include "bench.h"

namespace soma::bench {

Result run_dqn_cartpole(const Options&) {
  constexpr std::int64_t kFill = 1000, kTimed = 2000;
  double mean_loss = 0;
  auto run = [&] {
    Generator gen(0);
    auto net = [&] {
      return nn::Sequential{nn::Dense(4, 128, gen), nn::ReLU(), nn::Dense(128, 128, gen), nn::ReLU(),
                            nn::Dense(128, 2, gen)};
    };
    nn::Sequential online = net(), target = net();
    optim::Adam opt(online.parameters(), {.lr = 1e-3});
    rl::CartPole env({.seed = 0});
    rl::DqnLearner dqn(online, target, opt, env,
                       {.gamma = 0.99, .batch_size = 64, .learning_starts = kFill, .train_frequency = 1,
                        .gradient_steps = 1, .target_update_interval = 500, .epsilon_start = 1, .epsilon_end = 0.05,
                        .exploration_steps = 10000, .replay = {.capacity = 50000, .seed = 1}, .seed = 2});
    train::Loop loop(dqn);
    loop.fit(rl::steps(kFill), {.batch_size = 1, .shuffle = false, .verbose = 0, .prefetch = false});
    const double start = now_s();
    const auto history =
        loop.fit(rl::steps(kTimed), {.batch_size = 1, .shuffle = false, .verbose = 0, .prefetch = false});
    const double seconds = now_s() - start;
    mean_loss = history["loss"].back();
    return double(kTimed) / seconds;
  };
  Result r{.metric = "env_steps_per_s", .value = median_of_repetitions(run)};
  r.extra = {{"mean_loss", mean_loss}};
  return r;
}

}  // namespace soma::bench
