// soma-bench: runs one workload of shared/BENCHMARKS.md and prints one JSON line,
//   soma-bench B1 --threads 2  ->  {"workload":"B1","metric":"iterations_per_s","value":...,"threads":2}
// The workloads themselves live in bench/workloads_*.cpp; this file is the CLI and the table.
// bench/run.sh runs them all beside bench/torch_ref.py and prints the comparison.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include <soma/core/threads.h>

#include "bench.h"

namespace soma::bench {
namespace {

// Add B2-B8 here as they are written (the metric names are fixed by shared/DESIGN.md).
constexpr Workload kWorkloads[] = {
    {"B1", "xor", "XOR, Dense 2-5-1 sigmoid, MSE, SGD lr 0.5, batch 4: iterations_per_s over 10,000 iterations",
     run_xor},
    {"B2", "mlp",
     "Fashion-MNIST train, Dense 784-256-128-10 ReLU, cross-entropy, batch 64 shuffled, Adam 1e-3: samples_per_s "
     "over 300 batches",
     run_mlp},
    {"B3", "cnn",
     "Fashion-MNIST train, Conv 32-64 3x3 + BatchNorm + MaxPool, Dense 3136-128-10, batch 64 shuffled, Adam 1e-3: "
     "samples_per_s over 300 batches, peak_rss_mb",
     run_cnn},
    {"B4", "lstm",
     "synthetic text, one-hot 96 -> LSTM(256) -> Dense 96 per step, CE summed over 64 steps, 32 sequences, "
     "Adam 2e-3: tokens_per_s over 20 iterations",
     run_lstm},
    {"B5", "dqn-pixels",
     "synthetic 1x40x90 frames, 3x Conv 5x5 s2 (16-32-32) + BatchNorm + ReLU, Dense 512-2, MSE on the chosen "
     "action, batch 128, Adam 1e-3: steps_per_s over 200 steps",
     run_dqn_pixels},
    {"B6", "dqn-state", "synthetic states, Dense 4-128-128-2 ReLU, MSE, batch 32, Adam 1e-3: steps_per_s over 2,000 steps",
     run_dqn_state},
    {"B7", "gan",
     "Fashion-MNIST train in [-1, 1], G 100-256-512-784 / D 784-512-256-1 LeakyReLU(0.2), BCE, batch 64, Adam 2e-4 "
     "beta1 0.5: iterations_per_s (one D step on real+fake, one G step) over 200 iterations",
     run_gan},
    {"B8", "rbm",
     "Fashion-MNIST train binarized at 0.5, RBM 784x256, CD-1, batch 64 shuffled, lr 0.01: updates_per_s over 300 "
     "updates",
     run_rbm},
    {"B9", "infer1", "B2's MLP 784-256-128-10 ReLU, forward only, batch 1: latency_us", run_infer1},
    {"B10", "gemm", "C = A x B, fp32, square --size 256|1024|2048 (default 1024): gflops", run_gemm},
    {"B11", "dqn-cartpole",
     "CartPole-v1, DQN with Dense 4-128-128-2 ReLU, Huber loss, target copied every 500 steps, replay 50,000, "
     "batch 64, one update per step, Adam 1e-3: env_steps_per_s over 2,000 steps after 1,000 to fill the buffer",
     run_dqn_cartpole},
};

void print_help() {
  std::printf(
      "soma-bench: one workload of shared/BENCHMARKS.md, printed as one JSON line.\n\n"
      "usage: soma-bench WORKLOAD [--threads N] [--size S] [--[no-]deterministic]\n"
      "  WORKLOAD     an id or a name from the list below (case-insensitive)\n"
      "  --threads N  threads for soma's kernels and GEMM (default: all cores)\n"
      "  --size S     workload-specific size (B10: the matrix side)\n"
      "  --deterministic, --no-deterministic  results independent of the thread count, or not\n"
      "               (default: soma's, see docs/reproducibility.md)\n\n"
      "Each figure is the median of %d repetitions after one warm-up. bench/run.sh runs every\n"
      "workload for soma and PyTorch at 1 and 2 threads and prints a table.\n\nworkloads:\n",
      kRepetitions);
  for (const auto& w : kWorkloads) std::printf("  %-4s %-9s %s\n", w.id, w.name, w.description);
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

const Workload* find_workload(std::string_view name) {
  for (const auto& w : kWorkloads)
    if (same_name(name, w.id) || same_name(name, w.name)) return &w;
  return nullptr;
}

// JSON numbers that read well: integers without a fraction, rates with one decimal.
std::string json_number(double v) {
  char buf[64];
  if (!std::isfinite(v)) return "null";
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 100) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Parses a positive integer option value; exits with a message otherwise.
long positive_option(const char* flag, const char* text) {
  char* end = nullptr;
  const long v = text ? std::strtol(text, &end, 10) : 0;
  if (!text || *end != '\0' || v < 1) {
    std::fprintf(stderr, "soma-bench: %s expects a positive integer, got '%s'\n", flag, text ? text : "");
    std::exit(2);
  }
  return v;
}

}  // namespace
}  // namespace soma::bench

int main(int argc, char** argv) {
  using namespace soma::bench;
  if (argc < 2 || same_name(argv[1], "--help") || same_name(argv[1], "-h")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  const Workload* workload = find_workload(argv[1]);
  if (!workload) {
    std::fprintf(stderr, "soma-bench: unknown workload '%s'; known:", argv[1]);
    for (const auto& w : kWorkloads) std::fprintf(stderr, " %s (%s)", w.id, w.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  Options options;
  options.threads = soma::num_threads();
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--threads") options.threads = int(positive_option("--threads", i + 1 < argc ? argv[++i] : nullptr));
    else if (arg == "--deterministic") soma::set_deterministic(true);
    else if (arg == "--no-deterministic") soma::set_deterministic(false);
    else if (arg == "--size") options.size = positive_option("--size", i + 1 < argc ? argv[++i] : nullptr);
    else if (arg == "--help" || arg == "-h") return print_help(), 0;
    else {
      std::fprintf(stderr, "soma-bench: unknown option '%s' (see soma-bench --help)\n", argv[i]);
      return 2;
    }
  }
  soma::set_num_threads(options.threads);

  Result result;
  try {
    result = workload->run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soma-bench: %s failed: %s\n", workload->id, e.what());
    return 1;
  }
  std::string line = std::string("{\"workload\":\"") + workload->id + "\",\"metric\":\"" + result.metric +
                     "\",\"value\":" + json_number(result.value) + ",\"threads\":" + std::to_string(options.threads);
  for (const auto& [key, value] : result.extra) line += ",\"" + key + "\":" + json_number(value);
  if (!result.error.empty()) line += ",\"error\":\"" + result.error + "\"";
  std::printf("%s}\n", line.c_str());
  if (!result.error.empty()) {
    std::fprintf(stderr, "soma-bench: %s: %s\n", workload->id, result.error.c_str());
    return 1;
  }
  return 0;
}
