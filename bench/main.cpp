// soma-bench: runs one workload of shared/BENCHMARKS.md and prints one JSON line,
//   soma-bench B1 --threads 2  ->  {"workload":"B1","metric":"iterations_per_s","value":...,"threads":2}
// The workloads themselves live in bench/workloads_*.cpp; this file is their table (the command
// line is bench/cli.h, shared with soma-bench-dlib). --threads 0 runs at soma's default count.
// bench/run.sh runs them all beside bench/torch_ref.py and prints the comparison.
#include <string_view>

#include <soma/core/threads.h>

#include "bench.h"
#include "cli.h"

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

bool soma_option(std::string_view flag) {
  if (flag == "--deterministic") soma::set_deterministic(true);
  else if (flag == "--no-deterministic") soma::set_deterministic(false);
  else return false;
  return true;
}

}  // namespace
}  // namespace soma::bench

int main(int argc, char** argv) {
  using namespace soma::bench;
  const Program program{
      .name = "soma-bench",
      .summary = "soma-bench: one workload of shared/BENCHMARKS.md, printed as one JSON line.",
      .workloads = kWorkloads,
      .default_threads = [] { return soma::num_threads(); },
      .set_threads = [](int n) { soma::set_num_threads(n); },
      .extra_option = soma_option,
      .extra_help = "  --deterministic, --no-deterministic  results independent of the thread count, or not\n"
                    "               (default: soma's, see docs/reproducibility.md)\n"};
  return run_cli(program, argc, argv);
}
