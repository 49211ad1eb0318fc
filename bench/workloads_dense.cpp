// Dense-network workloads where framework overhead dominates the arithmetic:
//   B1 xor:    Dense 2-5-1, sigmoid both layers, MSE, SGD lr 0.5, full batch of 4; the rate
//              of 10,000 training iterations, valid only if the loss ends below 0.01.
//   B9 infer1: B2's MLP 784-256-128-10 (ReLU), forward only at batch 1 through nn::InferencePlan
//              (float32); extra fields: the plain net(x) under NoGradGuard (unplanned_us), the
//              plan with bfloat16 weights (bf16_us), and each one's CPU time per call (*cpu_us).
// bench/torch_ref.py runs the same models with the same hyperparameters in PyTorch.
#include <soma/soma.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "bench.h"

namespace soma::bench {
namespace {
constexpr std::uint64_t kSeed = 0;
}

Result run_xor(const Options&) {
  constexpr int kIterations = 10000;
  constexpr double kTargetLoss = 0.01;
  const Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  const Tensor y = tensor({0, 1, 1, 0}, {4, 1});
  double final_loss = 0;
  // One repetition trains a fresh net from the same seed, so every repetition does the same work.
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential net{nn::Dense(2, 5, gen), nn::Sigmoid(), nn::Dense(5, 1, gen), nn::Sigmoid()};
    optim::SGD opt(net.parameters(), {.lr = 0.5});
    Tensor loss;
    const double start = now_s();
    for (int i = 0; i < kIterations; ++i) {
      loss = mse_loss(net(x), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    const double seconds = now_s() - start;
    final_loss = loss.item();
    return kIterations / seconds;
  };
  Result r{.metric = "iterations_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"final_loss", final_loss}};
  if (!(final_loss < kTargetLoss)) {
    char message[128];
    std::snprintf(message, sizeof message, "did not converge: loss %.4g after %d iterations (needs < %g)",
                  final_loss, kIterations, kTargetLoss);
    r.error = message;
  }
  return r;
}

namespace {

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Latency {
  double wall_us = 0, cpu_us = 0;
};

// Microseconds per call of `forward`, by the usual rule (one warm-up, then the median of 5
// timings of ~0.2 s of calls), as wall-clock time and as this thread's CPU time over the same
// calls. On a shared machine the wall-clock figure includes the time other processes held the
// core; the CPU time does not (it still includes their eviction of the weights from L2).
template <class F>
Latency latency(F&& forward) {
  const long calls = calls_lasting(forward, 0.2);
  std::vector<double> cpu_us;
  Latency l;
  l.wall_us = median_of_repetitions([&] {
    const double cpu = thread_cpu_s();
    const double wall_us = seconds_per_call(forward, calls) * 1e6;
    cpu_us.push_back((thread_cpu_s() - cpu) / double(calls) * 1e6);
    return wall_us;
  });
  cpu_us.erase(cpu_us.begin());  // the warm-up's
  std::sort(cpu_us.begin(), cpu_us.end());
  l.cpu_us = cpu_us[cpu_us.size() / 2];
  return l;
}

}  // namespace

Result run_infer1(const Options&) {
  Generator gen(kSeed);
  nn::Sequential net{nn::Dense(784, 256, gen), nn::ReLU(), nn::Dense(256, 128, gen), nn::ReLU(),
                     nn::Dense(128, 10, gen)};
  net.eval();
  const Tensor x = uniform({1, 784}, 0, 1, gen);
  nn::InferencePlan plan(net, {1, 784});
  nn::InferencePlan plan_bf16(net, {1, 784}, {.bf16 = true});
  const Latency planned = latency([&] { plan(x); });
  Latency unplanned;
  {
    NoGradGuard no_grad;
    Tensor out;
    unplanned = latency([&] { out = net(x); });
  }
  const Latency bf16 = latency([&] { plan_bf16(x); });
  Result r{.metric = "latency_us", .value = planned.wall_us};
  r.extra = {{"cpu_us", planned.cpu_us},        {"unplanned_us", unplanned.wall_us},
             {"unplanned_cpu_us", unplanned.cpu_us}, {"bf16_us", bf16.wall_us},
             {"bf16_cpu_us", bf16.cpu_us}};
  return r;
}

}  // namespace soma::bench
