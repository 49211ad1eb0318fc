// DQN on CartPole-v1 from pixels, with the lecture's DN network: the screen rendered by soma
// (600x400), cropped around the cart, grey, resized to 40x90, the last k screens stacked
// (rl::make_cartpole_pixels); three 5x5 stride-2 convolutions 16-32-32 with batch norm and
// ReLU, then a linear head to the two actions' Q-values (benchmark B5's network). Trained by
// rl::DqnLearner on train::Loop (a run folder with the curves), then the greedy agent is
// evaluated over 100 episodes and its first episode filmed as an animated GIF.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <soma/io/gif.h>
#include <soma/rl/dqn.h>
#include <soma/rl/pixels.h>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

// The DN network of the lecture (and of the PyTorch DQN tutorial) for k input screens of 40x90:
// 40x90 -> 18x43 -> 7x20 -> 2x8, so 32 * 2 * 8 = 512 features reach the head.
nn::Sequential dn_network(std::int64_t screens, Generator& gen) {
  return nn::Sequential{nn::Conv2d({.in = screens, .out = 16, .kernel = 5, .stride = 2}, gen), nn::BatchNorm2d(16),
                        nn::ReLU(),
                        nn::Conv2d({.in = 16, .out = 32, .kernel = 5, .stride = 2}, gen), nn::BatchNorm2d(32),
                        nn::ReLU(),
                        nn::Conv2d({.in = 32, .out = 32, .kernel = 5, .stride = 2}, gen), nn::BatchNorm2d(32),
                        nn::ReLU(),
                        nn::Flatten(),
                        nn::Dense(512, 2, gen)};
}

// One greedy episode from reset(seed), filmed at the environment's picture size. The network
// must be in eval mode: its batch norm then uses the running statistics, as in evaluation.
std::vector<io::RgbFrame> film_episode(nn::Module& q, rl::Environment& env, std::uint64_t seed) {
  q.eval();
  auto frame = [&] {
    const rl::Frame f = env.render();
    return io::RgbFrame{int(f.width), int(f.height), f.pixels};
  };
  std::vector<io::RgbFrame> film;
  Tensor obs = env.reset(seed);
  film.push_back(frame());
  for (bool done = false; !done;) {
    const rl::EnvStep s = env.step(rl::greedy_action(q, obs));
    obs = s.observation;
    done = s.terminated || s.truncated;
    film.push_back(frame());
  }
  return film;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"DQN on CartPole-v1 from 40x90 pixels with the lecture's DN network (3 conv 5x5/2 16-32-32 + BN +\n"
               "ReLU, linear head); prints the learning curve, evaluates the greedy agent over 100 episodes,\n"
               "writes the curve (PNG) and an episode (GIF)."};
  // The settings of the runs in the README (a budget of ~20 minutes on a busy 2-core machine).
  std::int64_t steps = 16000, steps_per_epoch = 2000, frames = 2, eval_episodes = 100, epoch_episodes = 5;
  std::int64_t batch_size = 64, learning_starts = 1000, train_frequency = 2, target_update = 500,
               exploration = 6000, capacity = 50000;
  double lr = 3e-4, gamma = 0.99, epsilon_end = 0.05;
  bool double_dqn = true;
  std::uint64_t seed = 0;
  int threads = 1;
  std::string out = ".", run;
  app.add_option("--steps", steps, "Environment steps of training")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--steps-per-epoch", steps_per_epoch, "Environment steps between evaluations (one row of the curve)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--frames", frames, "Screens stacked per observation (0: the difference of two screens)")
      ->capture_default_str()
      ->check(CLI::Range(0, 16));
  app.add_option("--lr", lr, "Learning rate of Adam")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--gamma", gamma, "Discount")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--batch-size", batch_size, "Transitions per update")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--learning-starts", learning_starts, "Steps before the first update")->capture_default_str();
  app.add_option("--train-frequency", train_frequency, "Steps between updates")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--target-update", target_update, "Steps between target-network copies")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--exploration", exploration, "Steps of epsilon's linear decay from 1")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--epsilon-end", epsilon_end, "Epsilon after the decay")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--capacity", capacity, "Replay buffer size (transitions)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--double-dqn", double_dqn, "Double DQN targets")->capture_default_str();
  app.add_option("--epoch-episodes", epoch_episodes, "Greedy episodes after each epoch")->capture_default_str();
  app.add_option("--eval-episodes", eval_episodes, "Greedy episodes of the final evaluation")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Seed of the weights, the environment, exploration and replay")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--out", out, "Folder for the curve (PNG) and the episode (GIF)")->capture_default_str();
  app.add_option("--run", run, "Run folder for the training record (default: <out>/dqn_pixels_run)");
  CLI11_PARSE(app, argc, argv);
  if (run.empty()) run = out + "/dqn_pixels_run";
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const rl::CartPolePixelsOptions pixels{.cartpole = {.seed = seed}, .frames = frames};
    auto env = rl::make_cartpole_pixels(pixels), eval_env = rl::make_cartpole_pixels(pixels);
    const std::int64_t screens = frames == 0 ? 1 : frames;
    Generator gen(seed);
    nn::Sequential online = dn_network(screens, gen), target = dn_network(screens, gen);  // target: overwritten
    optim::Adam opt(online.parameters(), {.lr = lr});
    const rl::DqnOptions options{.gamma = gamma,
                                 .batch_size = batch_size,
                                 .learning_starts = learning_starts,
                                 .train_frequency = train_frequency,
                                 .target_update_interval = target_update,
                                 .epsilon_end = epsilon_end,
                                 .exploration_steps = exploration,
                                 .double_dqn = double_dqn,
                                 .replay = {.capacity = capacity, .seed = seed + 2},
                                 .seed = seed + 1};
    rl::DqnLearner dqn(online, target, opt, *env, options, eval_env.get());
    std::printf("observation %s, DN network %lld parameters, Adam lr %g, batch %lld, %lld steps, replay %lld "
                "(%.0f MB of frames), %d threads, seed %llu\n",
                env->observation_space().shape.str().c_str(), static_cast<long long>(online.parameter_count()), lr,
                static_cast<long long>(batch_size), static_cast<long long>(steps), static_cast<long long>(capacity),
                double(dqn.replay().observation_bytes()) / 1e6, num_threads(), static_cast<unsigned long long>(seed));

    std::filesystem::create_directories(run);
    auto folder = std::make_shared<train::RunFolderSink>(run);
    std::vector<double> curve_steps, train_returns, eval_returns;
    const auto start = std::chrono::steady_clock::now();
    const train::LambdaCallback report({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto get = [&](const char* key) { return logs.count(key) ? logs.at(key) : std::nan(""); };
      curve_steps.push_back(double(dqn.env_steps()));
      train_returns.push_back(get("episode_return"));
      eval_returns.push_back(get("val_episode_return"));
      std::printf("epoch %3lld: %7lld steps, training return %6.1f, greedy return %6.1f, epsilon %.3f, loss %.4f, "
                  "%.0f s (%.0f steps/s)\n",
                  static_cast<long long>(epoch + 1), static_cast<long long>(dqn.env_steps()), train_returns.back(),
                  eval_returns.back(), dqn.epsilon(), get("loss"), seconds, double(dqn.env_steps()) / seconds);
      std::fflush(stdout);
    }});
    const std::int64_t epochs = (steps + steps_per_epoch - 1) / steps_per_epoch;
    train::Loop(dqn).fit(rl::steps(steps_per_epoch),
                         {.epochs = epochs,
                          .batch_size = 1,
                          .shuffle = false,
                          .validation = epoch_episodes > 0 ? rl::steps(epoch_episodes) : nullptr,
                          .callbacks = {report},
                          .sinks = {folder},
                          .seed = seed,
                          .verbose = 0});

    io::write_line_chart(out + "/dqn_pixels_curve.png",
                         {{.name = "training episodes", .y = train_returns, .x = curve_steps},
                          {.name = "greedy, " + std::to_string(epoch_episodes) + " episodes", .y = eval_returns, .x = curve_steps}},
                         {.title = "DQN from pixels: return per episode", .x_label = "environment steps"});
    const std::vector<double> returns = rl::evaluate_greedy(online, *eval_env, eval_episodes, options.eval_seed);
    double mean = 0, var = 0;
    for (double r : returns) mean += r / double(returns.size());
    for (double r : returns) var += (r - mean) * (r - mean) / double(returns.size());
    io::save(online, out + "/dqn_pixels_online.safetensors");
    const auto film = film_episode(online, *eval_env, options.eval_seed);
    io::write_gif(out + "/dqn_pixels_episode.gif", film, {.delay_cs = 2});
    std::printf("wrote %s/dqn_pixels_curve.png, %s/dqn_pixels_online.safetensors, %s/dqn_pixels_episode.gif (the "
                "first evaluation episode, %zu frames) and the run folder %s\n",
                out.c_str(), out.c_str(), out.c_str(), film.size(), run.c_str());
    std::printf("greedy evaluation over %lld episodes: std %.1f, min %.0f, max %.0f\n",
                static_cast<long long>(returns.size()), std::sqrt(var), *std::min_element(returns.begin(), returns.end()),
                *std::max_element(returns.begin(), returns.end()));
    std::printf("mean return %.1f\n", mean);
  } catch (const Error& e) {
    std::fprintf(stderr, "dqn_pixels: %s\n", e.what());
    return 1;
  }
}
