// soma play: a trained agent acting. Rebuilds a DQN run's environment and Q-network from its
// resolved config, loads the trained online network, and plays greedy episodes (episode j
// from reset(seed + j), the seed by default the run's dqn.eval_seed, so `soma play RUN
// --episodes 10` replays the run's own test episodes). With --gif, the first episode is filmed
// at the environment's own picture size (CartPole: 600x400), one frame per step.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <soma/autograd/grad_mode.h>
#include <soma/config/dqn.h>
#include <soma/core/generator.h>
#include <soma/core/threads.h>
#include <soma/io/checkpoint.h>
#include <soma/io/gif.h>
#include <soma/io/safetensors.h>
#include <soma/io/weights.h>
#include <soma/rl/dqn.h>

#include "commands.h"
#include "run_folder.h"

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

// The online network's weights of a run: model.safetensors, or the last checkpoint's when
// training did not finish; "online.<name>" becomes "<name>".
std::vector<std::pair<std::string, Tensor>> online_weights(const RunFolder& run) {
  std::vector<std::pair<std::string, Tensor>> all;
  if (fs::exists(run.model())) {
    all = io::load_safetensors(run.model()).tensors;
  } else {
    SOMA_CHECK(fs::exists(run.checkpoint()), "'", run.dir,
               "' has neither model.safetensors nor checkpoint.safetensors: no trained agent to play");
    all = io::load_checkpoint(run.checkpoint()).take("model");
    std::printf("(training did not finish: playing the agent of %s)\n", run.checkpoint().c_str());
  }
  std::vector<std::pair<std::string, Tensor>> online;
  for (auto& [name, tensor] : all)
    if (name.rfind("online.", 0) == 0) online.emplace_back(name.substr(7), std::move(tensor));
  SOMA_CHECK(!online.empty(), "'", run.dir, "': its model holds no \"online.\" tensors; expected a dqn run's Q-network");
  return online;
}

io::RgbFrame to_rgb(const rl::Frame& frame) {
  SOMA_CHECK(frame.channels == 3, "soma play --gif: the environment's picture has ", frame.channels,
             " channels, expected 3 (RGB)");
  return {int(frame.width), int(frame.height), frame.pixels};
}

}  // namespace

int play(const PlayArgs& args) {
  RunFolder run{fs::path(args.run).lexically_normal().string()};
  if (!run.dir.empty() && run.dir.back() == '/') run.dir.pop_back();
  SOMA_CHECK(fs::is_directory(run.dir) && fs::exists(run.config()), "'", args.run,
             "' is not a run folder (no config.json); expected a folder made by soma train");
  const config::Json cfg = config::read_json_file(run.config());
  const std::string kind = config::learner_type(cfg);
  SOMA_CHECK(kind == "dqn", "'", args.run, "' holds a ", kind,
             " run, not a reinforcement-learning one; soma play takes the run of a {\"learner\": \"dqn\"} config");
  const int threads = config::value_or(cfg, run.config(), "threads", 0, "an integer");
  if (threads > 0 && threads <= kMaxThreads) set_num_threads(threads);

  // The environment and the network as training built them (the resolved config has every default).
  const auto seed = config::value_or<std::uint64_t>(cfg, run.config(), "seed", 0, "a seed");
  config::Json resolved;
  auto env = config::build_environment(cfg.value("environment", config::Json()), "environment", seed, resolved);
  Generator gen(seed);
  const Shape& obs = env->observation_space().shape;
  config::BuiltModel net = config::build_model(cfg.value("model", config::Json()), "model", std::vector<std::int64_t>(obs.begin(), obs.end()),
                                               DType::f32, gen, resolved);
  io::load_state_dict(*net.model, online_weights(run));
  net.model->eval();

  const config::Json dqn = cfg.value("dqn", config::Json::object());
  const std::uint64_t first_seed =
      args.seed ? *args.seed : config::value_or<std::uint64_t>(dqn, run.config(), "eval_seed", rl::DqnOptions{}.eval_seed, "a seed");
  std::printf("playing %s greedily with the agent of %s: %lld episode%s from seed %llu\n", env->name().c_str(),
              run.dir.c_str(), static_cast<long long>(args.episodes), args.episodes == 1 ? "" : "s",
              static_cast<unsigned long long>(first_seed));

  std::vector<io::RgbFrame> film;
  double sum = 0, sum_squares = 0;
  for (std::int64_t j = 0; j < args.episodes; ++j) {
    // As rl::evaluate_greedy plays them, filming the first episode when asked.
    const bool filming = j == 0 && !args.gif.empty();
    Tensor observation = env->reset(first_seed + std::uint64_t(j));
    if (filming) film.push_back(to_rgb(env->render()));
    double episode_return = 0;
    std::int64_t length = 0;
    for (bool done = false; !done; ++length) {
      const rl::EnvStep step = env->step(rl::greedy_action(*net.model, observation));
      episode_return += step.reward;
      observation = step.observation;
      done = step.terminated || step.truncated;
      if (filming) film.push_back(to_rgb(env->render()));
    }
    std::printf("episode %lld: return %g, %lld steps\n", static_cast<long long>(j + 1), episode_return,
                static_cast<long long>(length));
    sum += episode_return, sum_squares += episode_return * episode_return;
  }
  if (!args.gif.empty()) {
    // One frame per environment step: CartPole's tau of 0.02 s is 2 hundredths, real time.
    io::write_gif(args.gif, film, {.delay_cs = 2});
    std::printf("wrote %s: %zu frames of %dx%d\n", args.gif.c_str(), film.size(), film[0].width, film[0].height);
  }
  const double n = double(args.episodes), mean = sum / n;
  const double std = std::sqrt(std::max(0.0, sum_squares / n - mean * mean));
  std::printf("mean return %.1f (std %.1f over %lld episodes)\n", mean, std, static_cast<long long>(args.episodes));
  return 0;
}

}  // namespace soma::cli
