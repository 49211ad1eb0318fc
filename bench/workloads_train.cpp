// Training workloads of shared/BENCHMARKS.md, timed from a batch in memory to updated weights
// (forward, loss, backward, Adam step, zero_grad):
//   B2 mlp:       Fashion-MNIST train, Dense 784-256-128-10 ReLU, softmax cross-entropy, batch 64
//                 shuffled (gathered with index_select as a data loader would), Adam 1e-3: samples_per_s.
//   B6 dqn-state: synthetic states of 4 numbers, Dense 4-128-128-2 ReLU, MSE, batch 32, Adam 1e-3:
//                 steps_per_s. bench/torch_ref.py runs the same workloads in PyTorch.
#include <soma/soma.h>
#include <soma/data/mnist.h>

#include <cstdint>
#include <vector>

#include "bench.h"
#include "train_loop.h"

namespace soma::bench {
namespace {
constexpr std::uint64_t kSeed = 0;

}  // namespace

Result run_mlp(const Options&) {
  constexpr std::int64_t kBatch = 64;
  constexpr int kBatches = 300;  // of the 937 full batches of an epoch, to keep the run short
  const auto train_set = data::fashion_mnist("train");
  const Tensor x = reshape(train_set->x(), {train_set->size(), 784});
  const Tensor& y = train_set->y();
  Generator order_gen(kSeed);
  double final_loss = 0;
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential net{nn::Dense(784, 256, gen), nn::ReLU(), nn::Dense(256, 128, gen), nn::ReLU(),
                       nn::Dense(128, 10, gen)};
    optim::Adam opt(net.parameters(), {.lr = 1e-3});
    return classifier_samples_per_s(net, opt, x, y, kBatch, kBatches, order_gen, final_loss);
  };
  Result r{.metric = "samples_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"batches", kBatches}, {"final_loss", final_loss}};
  return r;
}

Result run_dqn_state(const Options&) {
  constexpr std::int64_t kBatch = 32;
  constexpr std::int64_t kPool = 256;  // distinct batches, cycled through
  constexpr int kSteps = 2000;
  Generator data_gen(kSeed + 1);
  const Tensor states = uniform({kPool * kBatch, 4}, -1, 1, data_gen);
  const Tensor targets = uniform({kPool * kBatch, 2}, -1, 1, data_gen);
  double final_loss = 0;
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential net{nn::Dense(4, 128, gen), nn::ReLU(), nn::Dense(128, 128, gen), nn::ReLU(),
                       nn::Dense(128, 2, gen)};
    optim::Adam opt(net.parameters(), {.lr = 1e-3});
    Tensor loss;
    AdaptiveThreads threads;  // soma's default thread count (--threads 0) adapts per step
    const double start = now_s();
    for (int i = 0; i < kSteps; ++i) {
      threads.tick();
      const std::int64_t first = (i % kPool) * kBatch;
      const Tensor xb = slice(states, 0, first, first + kBatch);
      const Tensor yb = slice(targets, 0, first, first + kBatch);
      loss = mse_loss(net(xb), yb);
      loss.backward();
      opt.step();
      opt.zero_grad();
    }
    const double seconds = now_s() - start;
    final_loss = loss.item();
    return kSteps / seconds;
  };
  Result r{.metric = "steps_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"final_loss", final_loss}};
  return r;
}

}  // namespace soma::bench
