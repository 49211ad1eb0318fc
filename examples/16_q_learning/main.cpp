// Tabular Q-learning and SARSA on FrozenLake 4x4 (Gymnasium's FrozenLake-v1), on slippery ice
// and on plain ice, against value iteration on the known model (the best any agent can do). For
// each it trains one Q-table per seed, prints the greedy policy as arrows and its success rate
// over evaluation episodes, and draws the learning curves (success rate over the last episodes of
// training, seed 0) to q_learning_curves.png. Then Sutton and Barto's cliff walk: Q-learning
// learns the edge of the cliff, SARSA a safer path. The table the students know, before DQN.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <soma/rl/cliff_walking.h>
#include <soma/rl/frozen_lake.h>
#include <soma/rl/tabular.h>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

// The policy drawn on the map: an arrow per frozen cell, H for holes, G for the goal.
void print_policy(const rl::FrozenLake& lake, const std::vector<std::int64_t>& policy) {
  const char* arrows[] = {"←", "↓", "→", "↑"};
  for (std::int64_t r = 0; r < lake.rows(); ++r) {
    std::printf("    ");
    for (std::int64_t c = 0; c < lake.columns(); ++c) {
      const std::int64_t s = r * lake.columns() + c;
      const char letter = lake.cell(s);
      std::printf("%s ", letter == 'H' ? "H" : letter == 'G' ? "G" : arrows[policy[s]]);
    }
    std::printf("\n");
  }
}

// The mean of `values` over a sliding window of `window` (shorter at the start).
std::vector<double> moving_average(const std::vector<double>& values, std::size_t window) {
  std::vector<double> out;
  double sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push_back(sum / double(std::min(i + 1, window)));
  }
  return out;
}

// The greedy walk on CliffWalking drawn on the grid: its arrows, C the cliff, G the goal, · elsewhere.
// Returns the walk's return (capped at 100 steps, as a poor table may walk in circles).
double print_cliff_walk(const rl::QTable& q) {
  const char* arrows[] = {"↑", "→", "↓", "←"};  // CliffWalking's action order
  std::vector<std::string> grid(rl::CliffWalking::rows * rl::CliffWalking::columns, "·");
  for (std::int64_t s = rl::CliffWalking::start + 1; s < rl::CliffWalking::goal; ++s) grid[s] = "C";
  grid[rl::CliffWalking::goal] = "G";
  rl::CliffWalking env({.max_episode_steps = 100});
  std::int64_t s = std::int64_t(env.reset(0).item());
  double total = 0;
  for (bool done = false; !done;) {
    grid[s] = arrows[q.greedy(s)];
    const rl::EnvStep step = env.step(q.greedy(s));
    total += step.reward;
    s = std::int64_t(step.observation.item());
    done = step.terminated || step.truncated;
  }
  for (std::int64_t r = 0; r < rl::CliffWalking::rows; ++r) {
    std::printf("    ");
    for (std::int64_t c = 0; c < rl::CliffWalking::columns; ++c) std::printf("%s ", grid[r * rl::CliffWalking::columns + c].c_str());
    std::printf("\n");
  }
  return total;
}

struct Summary {
  double mean = 0, low = 1, high = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tabular Q-learning and SARSA on FrozenLake 4x4 (slippery and not), compared with value iteration."};
  std::int64_t episodes = 20000, plain_episodes = 2000, eval_episodes = 1000;
  int seeds = 5;
  double alpha = 0.05, gamma = 0.99, epsilon_end = 0.01, explore_fraction = 0.5;
  std::int64_t cliff_episodes = 500;
  double cliff_alpha = 0.1;
  std::string out = ".";
  app.add_option("--episodes", episodes, "Training episodes on slippery ice")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)));
  app.add_option("--plain-episodes", plain_episodes, "Training episodes on plain (not slippery) ice")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)));
  app.add_option("--eval-episodes", eval_episodes, "Greedy evaluation episodes per policy")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)));
  app.add_option("--seeds", seeds, "Seeds (0 .. N-1) per method")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--alpha", alpha, "Learning rate")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--gamma", gamma, "Discount, below 1")->capture_default_str()->check(CLI::Range(0.0, 0.999999));
  app.add_option("--epsilon-end", epsilon_end, "Exploration rate at the end of the schedule")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--explore-fraction", explore_fraction, "Share of the episodes over which epsilon falls from 1 to its end")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--cliff-episodes", cliff_episodes, "Training episodes on CliffWalking")->capture_default_str()->check(CLI::Range(std::int64_t(100), std::int64_t(10'000'000)));
  app.add_option("--cliff-alpha", cliff_alpha, "Learning rate on CliffWalking")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--out", out, "Folder for q_learning_curves.png")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    using Method = rl::TabularOptions::Method;
    std::vector<io::Series> curves;
    Summary slippery_q, slippery_sarsa;
    double slippery_best = 0;
    for (bool slippery : {false, true}) {
      const std::int64_t n = slippery ? episodes : plain_episodes;
      rl::FrozenLake lake({.slippery = slippery});
      std::printf("== FrozenLake 4x4, %s ice: %lld episodes, alpha %g, gamma %g, epsilon 1 -> %g over %g of them, %d seeds\n",
                  slippery ? "slippery" : "plain", static_cast<long long>(n), alpha, gamma, epsilon_end,
                  explore_fraction, seeds);
      const rl::ValueIterationResult best = rl::value_iteration(lake.model(), gamma);
      const double best_rate = rl::evaluate_policy(lake, best.policy, eval_episodes, 1'000'000);
      std::printf("value iteration (%lld sweeps): V(start) = %.3f, greedy success %.3f over %lld episodes\n",
                  static_cast<long long>(best.sweeps), best.values[0], best_rate, static_cast<long long>(eval_episodes));
      print_policy(lake, best.policy);
      if (slippery) slippery_best = best_rate;
      for (Method method : {Method::q_learning, Method::sarsa}) {
        const char* label = method == Method::q_learning ? "Q-learning" : "SARSA";
        Summary summary;
        std::vector<std::int64_t> first;
        std::printf("%s, success per seed:", label);
        for (int seed = 0; seed < seeds; ++seed) {
          const rl::TabularResult result = rl::train_tabular(
              lake, {.method = method, .episodes = n, .alpha = alpha, .gamma = gamma,
                     .epsilon = {.start = 1.0, .end = epsilon_end, .episodes = std::int64_t(explore_fraction * n)},
                     .seed = std::uint64_t(seed)});
          const double rate = rl::evaluate_policy(lake, rl::greedy_policy(result.q), eval_episodes, 1'000'000 + seed);
          summary.mean += rate / seeds, summary.low = std::min(summary.low, rate), summary.high = std::max(summary.high, rate);
          std::printf(" %.3f", rate);
          if (seed == 0) first = rl::greedy_policy(result.q);
          if (seed == 0 && slippery)
            curves.push_back({.name = label, .y = moving_average(result.episode_returns, 500)});
        }
        std::printf(" -> mean %.3f (min %.3f, max %.3f; value iteration %.3f); greedy policy of seed 0:\n",
                    summary.mean, summary.low, summary.high, best_rate);
        print_policy(lake, first);
        if (slippery) (method == Method::q_learning ? slippery_q : slippery_sarsa) = summary;
      }
      std::printf("\n");
    }
    // Sutton and Barto's example 6.6: epsilon 0.1 throughout, undiscounted, 500 episodes; alpha
    // 0.1 rather than their 0.5, with which a few seeds' SARSA tables walk in circles (README).
    std::printf("== CliffWalking 4x12: %lld episodes, alpha %g, gamma 1, epsilon 0.1, %d seeds\n",
                static_cast<long long>(cliff_episodes), cliff_alpha, seeds);
    for (Method method : {Method::q_learning, Method::sarsa}) {
      const char* label = method == Method::q_learning ? "Q-learning" : "SARSA";
      std::printf("%s, greedy walk's return and mean return of the last 100 training episodes per seed:", label);
      rl::QTable first(1, 1);
      for (int seed = 0; seed < seeds; ++seed) {
        rl::CliffWalking cliff;
        const rl::TabularResult r = rl::train_tabular(
            cliff, {.method = method, .episodes = cliff_episodes, .alpha = cliff_alpha, .gamma = 1.0,
                    .epsilon = {.start = 0.1, .end = 0.1, .episodes = 0}, .seed = std::uint64_t(seed)});
        double online = 0;
        for (std::size_t e = r.episode_returns.size() - 100; e < r.episode_returns.size(); ++e) online += r.episode_returns[e] / 100;
        rl::CliffWalking probe({.max_episode_steps = 100});
        const double walk = rl::evaluate_policy(probe, rl::greedy_policy(r.q), 1, 0);
        std::printf(" %.0f/%.1f", walk, online);
        if (seed == 0) first = r.q;
      }
      std::printf("; greedy walk of seed 0:\n");
      print_cliff_walk(first);
    }
    std::printf("\n");

    io::write_line_chart(out + "/q_learning_curves.png", curves,
                         {.title = "FrozenLake slippery: success over the last 500 episodes", .x_label = "episode"});
    std::printf("wrote %s/q_learning_curves.png\n", out.c_str());
    std::printf("result: slippery success Q-learning %.3f (min %.3f), SARSA %.3f (min %.3f), value iteration %.3f\n",
                slippery_q.mean, slippery_q.low, slippery_sarsa.mean, slippery_sarsa.low, slippery_best);
  } catch (const Error& e) {
    std::fprintf(stderr, "q_learning: %s\n", e.what());
    return 1;
  }
}
