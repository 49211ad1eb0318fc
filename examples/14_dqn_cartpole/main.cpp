// DQN on CartPole-v1 from its state (x, x_dot, theta, theta_dot): the MLP 4-128-128-2 of
// benchmark B6 learns to balance the pole in at most 50,000 environment steps. Hyperparameters
// follow Stable-Baselines3's tuned CartPole DQN (rl-zoo): Adam 2.3e-3, batch 64, replay 100k,
// learning starts 1000, gamma 0.99, target copied every 10 steps, 128 updates every 256 steps,
// epsilon 1 -> 0.04 over the first 16% of the steps, Huber loss, gradient norm clipped at 10;
// and, unlike rl-zoo's constant rate, the learning rate falls linearly to 0 (steadier at the end).
// Training runs through train::Loop (one Loop step = one environment step); after each of the
// 25 epochs, 10 greedy evaluation episodes; the weights of the best evaluation are kept aside
// (checkpoint selection, as an EvalCallback with save-best would). At the end both the final
// and the selected policy are evaluated over 100 other greedy episodes; the last line is the
// selected one's, and the final one's is printed above it.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <soma/soma.h>
#include <soma/rl/cartpole.h>
#include <soma/rl/dqn.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

nn::Sequential q_network(std::int64_t hidden, Generator& gen) {
  return nn::Sequential{nn::Dense(4, hidden, gen), nn::ReLU(), nn::Dense(hidden, hidden, gen), nn::ReLU(),
                        nn::Dense(hidden, 2, gen)};
}

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

// The curves torch_compare.py wrote (kind,step,return rows), as two chart series.
std::vector<io::Series> torch_curves(const std::string& path) {
  std::ifstream in(path);
  SOMA_CHECK(in, "dqn_cartpole: cannot read the PyTorch curve '", path, "'");
  io::Series episodes{.name = "pytorch training episodes"}, evals{.name = "pytorch greedy evaluation"};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto a = line.find(','), b = line.rfind(',');
    SOMA_CHECK(a != std::string::npos && b > a, "dqn_cartpole: '", path, "': bad row '", line, "'");
    io::Series& s = line.substr(0, a) == "eval" ? evals : episodes;
    s.x.push_back(std::stod(line.substr(a + 1, b - a - 1)));
    s.y.push_back(std::stod(line.substr(b + 1)));
  }
  return {episodes, evals};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a DQN agent (MLP 4-128-128-2) on CartPole-v1 from its state and evaluates the greedy\n"
               "policy over 100 episodes; writes the learning curve as a PNG."};
  std::int64_t steps = 50'000, hidden = 128, epochs = 25, eval_episodes = 100, val_episodes = 10;
  rl::DqnOptions o{.gamma = 0.99, .batch_size = 64, .learning_starts = 1000, .train_frequency = 256,
                   .gradient_steps = 128, .target_update_interval = 10, .tau = 1, .epsilon_start = 1,
                   .epsilon_end = 0.04, .replay = {.capacity = 100'000}};
  double lr = 2.3e-3, lr_end = 0, exploration_fraction = 0.16, clip = 10;
  std::uint64_t seed = 1;
  int threads = 1;
  std::string out = ".", run, torch_curve;
  app.add_option("--steps", steps, "Environment steps of training")->capture_default_str()->check(CLI::Range(std::int64_t(10), std::int64_t(100'000'000)));
  app.add_option("--epochs", epochs, "Parts of the training, each followed by an evaluation")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000)));
  app.add_option("--seed", seed, "Seed of the network, the acting, the replay sampling and the environment")->capture_default_str();
  app.add_option("--hidden", hidden, "Units of each of the two hidden layers")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(4096)));
  app.add_option("--lr", lr, "Adam's learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr-end", lr_end, "Learning rate at the last step, reached linearly (negative: constant --lr)");
  app.add_option("--batch-size", o.batch_size, "Transitions per update")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(4096)));
  app.add_option("--gamma", o.gamma, "Discount")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--buffer", o.replay.capacity, "Replay capacity")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100'000'000)));
  app.add_option("--learning-starts", o.learning_starts, "Steps before the first update")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--train-frequency", o.train_frequency, "Steps between rounds of updates")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--gradient-steps", o.gradient_steps, "Updates per round")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--target-update", o.target_update_interval, "Steps between target updates")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--tau", o.tau, "Target update: 1 copies, < 1 Polyak-averages")->capture_default_str()->check(CLI::Range(1e-6, 1.0));
  app.add_option("--exploration-fraction", exploration_fraction, "Fraction of the steps over which epsilon falls")->capture_default_str()->check(CLI::Range(1e-6, 1.0));
  app.add_option("--final-epsilon", o.epsilon_end, "Epsilon after the fall")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--clip-grad-norm", clip, "Gradient norm clipping (0: off)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_flag("--double-dqn", o.double_dqn, "Double DQN targets");
  app.add_flag("--prioritized", o.replay.prioritized, "Prioritized replay (alpha 0.6, beta 0.4 -> 1)");
  app.add_option("--eval-episodes", eval_episodes, "Greedy episodes of the final evaluation")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100'000)));
  app.add_option("--val-episodes", val_episodes, "Greedy episodes after each epoch")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100'000)));
  app.add_option("--threads", threads, "Threads for soma's kernels")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--out", out, "Folder for the learning curve PNG")->capture_default_str();
  app.add_option("--run", run, "Run folder for the training record (default: none)");
  app.add_option("--torch-curve", torch_curve, "A CSV of torch_compare.py to draw beside soma's curve");
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    set_num_threads(threads);
    o.exploration_steps = std::max<std::int64_t>(1, std::int64_t(exploration_fraction * double(steps)));
    o.seed = seed;
    o.replay.seed = seed + 1;
    o.replay.beta_steps = o.replay.prioritized ? steps / o.train_frequency * o.gradient_steps : 0;
    Generator init(seed);
    nn::Sequential online = q_network(hidden, init), target = q_network(hidden, init);
    optim::Adam opt(online.parameters(), {.lr = lr});
    rl::CartPole env({.seed = seed}), eval_env;
    rl::DqnLearner dqn(online, target, opt, env, o, &eval_env);
    std::printf("DQN on CartPole-v1: MLP 4-%lld-%lld-2, Adam %g -> %g (linear), batch %lld, replay %lld, gamma %g, %lld updates every "
                "%lld steps after %lld, target %s every %lld steps, epsilon 1 -> %g over %lld steps, clip %g%s%s, "
                "%lld steps, seed %llu\n",
                (long long)hidden, (long long)hidden, lr, lr_end >= 0 ? lr_end : lr,
                (long long)o.batch_size, (long long)o.replay.capacity, o.gamma,
                (long long)o.gradient_steps, (long long)o.train_frequency, (long long)o.learning_starts,
                o.tau == 1 ? "copy" : "Polyak", (long long)o.target_update_interval, o.epsilon_end,
                (long long)o.exploration_steps, clip, o.double_dqn ? ", Double DQN" : "",
                o.replay.prioritized ? ", prioritized replay" : "", (long long)steps, (unsigned long long)seed);

    // The curve: each training episode's return at the step it ended, and each evaluation.
    std::vector<double> episode_steps, episode_returns, eval_steps, eval_returns;
    std::vector<std::pair<std::string, Tensor>> best;
    double best_return = -1;
    std::int64_t best_epoch = 0;
    double train_seconds = 0;
    auto start = std::chrono::steady_clock::now();
    const train::LambdaCallback record({
        .on_epoch_end = [&](train::Context& ctx, std::int64_t epoch, train::Logs& logs) {
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          eval_steps.push_back(double(dqn.env_steps()));
          eval_returns.push_back(logs.at("val_episode_return"));
          if (logs.at("val_episode_return") >= best_return) {  // the best (the latest at a tie), kept aside
            best_return = logs.at("val_episode_return");
            best_epoch = epoch + 1;
            best.clear();
            for (const auto& [name, t] : online.named_parameters()) best.emplace_back(name, t.copy());
          }
          std::printf("epoch %lld/%lld: %lld steps, epsilon %.3f, loss %.4f, train return %.1f, eval return %.1f (%lld "
                      "episodes), %.1f s\n",
                      (long long)epoch + 1, (long long)epochs, (long long)dqn.env_steps(), dqn.epsilon(),
                      logs.count("loss") ? logs.at("loss") : 0.0,
                      logs.count("episode_return") ? logs.at("episode_return") : 0.0, logs.at("val_episode_return"),
                      (long long)val_episodes, seconds);
          std::fflush(stdout);
        },
        .on_batch_end = [&](train::Context& ctx, std::int64_t, const train::Logs&) {
          if (lr_end >= 0) opt.set_lr(lr + (lr_end - lr) * std::min(1.0, double(dqn.env_steps()) / double(steps)));
          const auto it = ctx.step_logs().find("episode_return");
          if (it == ctx.step_logs().end()) return;
          episode_steps.push_back(double(dqn.env_steps()));
          episode_returns.push_back(it->second);
        }});
    std::vector<std::shared_ptr<train::Sink>> sinks;
    if (!run.empty()) {
      std::filesystem::create_directories(run);
      sinks.push_back(std::make_shared<train::RunFolderSink>(run));
    }
    train::Loop loop(dqn);
    const std::int64_t per_epoch = std::max<std::int64_t>(1, steps / epochs);
    start = std::chrono::steady_clock::now();
    loop.fit(rl::steps(per_epoch), {.epochs = epochs, .batch_size = 1, .shuffle = false,
                                    .validation = rl::steps(val_episodes), .callbacks = {record}, .sinks = sinks,
                                    .verbose = 0, .clip_grad_norm = clip, .prefetch = false});
    train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // 100 greedy episodes of the final policy, seeded apart from the per-epoch evaluations.
    const std::uint64_t final_seed = 2'000'000;
    const double final_mean = mean_of(rl::evaluate_greedy(online, eval_env, eval_episodes, final_seed));
    for (auto& [name, t] : online.named_parameters())
      for (const auto& [bname, bt] : best)
        if (bname == name) std::copy_n(bt.data<float>(), t.numel(), t.data<float>());
    const double best_mean = mean_of(rl::evaluate_greedy(online, eval_env, eval_episodes, final_seed));
    std::printf("trained %lld steps (%lld updates) in %.2f s: %.0f steps/s\n", (long long)dqn.env_steps(),
                (long long)dqn.updates(), train_seconds, double(dqn.env_steps()) / train_seconds);
    std::printf("final policy over %lld greedy episodes: mean return %.1f\n", (long long)eval_episodes, final_mean);
    std::printf("selected policy (epoch %lld, best of the per-epoch evaluations: %.1f over %lld episodes) over %lld "
                "greedy episodes: mean return %.1f\n",
                (long long)best_epoch, best_return, (long long)val_episodes, (long long)eval_episodes, best_mean);

    std::filesystem::create_directories(out);
    const std::string curve = out + "/dqn_cartpole_curve.png";
    std::vector<io::Series> series = {{.name = "soma training episodes", .y = episode_returns, .x = episode_steps},
                                      {.name = "soma greedy evaluation", .y = eval_returns, .x = eval_steps}};
    if (!torch_curve.empty())
      for (auto& s : torch_curves(torch_curve)) series.push_back(std::move(s));
    io::write_line_chart(curve, series, {.title = "DQN on CartPole-v1: return", .x_label = "environment steps"});
    std::printf("wrote %s\n", curve.c_str());
    std::printf("mean return %.1f\n", best_mean);
  } catch (const Error& e) {
    std::fprintf(stderr, "dqn_cartpole: %s\n", e.what());
    return 1;
  }
}
