// Dense-network workloads where framework overhead dominates the arithmetic:
//   B1 xor:    Dense 2-5-1, sigmoid both layers, MSE, SGD lr 0.5, full batch of 4; the rate
//              of 10,000 training iterations, valid only if the loss ends below 0.01.
//   B9 infer1: B2's MLP 784-256-128-10 (ReLU), forward only at batch 1 under NoGradGuard.
// bench/torch_ref.py runs the same models with the same hyperparameters in PyTorch.
#include <soma/soma.h>

#include <cstdio>

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

Result run_infer1(const Options&) {
  Generator gen(kSeed);
  nn::Sequential net{nn::Dense(784, 256, gen), nn::ReLU(), nn::Dense(256, 128, gen), nn::ReLU(),
                     nn::Dense(128, 10, gen)};
  net.eval();
  const Tensor x = uniform({1, 784}, 0, 1, gen);
  NoGradGuard no_grad;
  Tensor out;
  auto forward = [&] { out = net(x); };
  const long calls = calls_lasting(forward, 0.2);
  const double us = median_of_repetitions([&] { return seconds_per_call(forward, calls) * 1e6; });
  return {.metric = "latency_us", .value = us};
}

}  // namespace soma::bench
