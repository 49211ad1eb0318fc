// Convolutional workloads of shared/BENCHMARKS.md, timed from a batch in memory to updated
// weights (forward, loss, backward, Adam step, zero_grad), as in workloads_train.cpp:
//   B3 cnn:         Fashion-MNIST train, Conv(1->32,3x3,pad 1)-ReLU-MaxPool(2);
//                   Conv(32->64,3x3,pad 1)-BatchNorm2d-ReLU-MaxPool(2); Flatten;
//                   Dense(3136->128)-ReLU-Dropout(0.3); Dense(128->10); softmax cross-entropy,
//                   batch 64 shuffled, Adam 1e-3: samples_per_s, plus the process's peak RSS.
//   B5 dqn-pixels:  synthetic 1x40x90 frames, batch 128, Conv(1->16,5x5,s2)-BN-ReLU;
//                   Conv(16->32,5x5,s2)-BN-ReLU; Conv(32->32,5x5,s2)-BN-ReLU; Flatten;
//                   Dense(512->2); MSE on the chosen action's value; Adam 1e-3: steps_per_s.
// bench/torch_ref.py runs the same workloads in PyTorch.
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

Result run_cnn(const Options&) {
  constexpr std::int64_t kBatch = 64;
  constexpr int kBatches = 300;  // of the 937 full batches of an epoch, to keep the run short
  const auto train_set = data::fashion_mnist("train");
  const Tensor& x = train_set->x();  // [60000, 1, 28, 28]
  const Tensor& y = train_set->y();
  Generator order_gen(kSeed);
  double final_loss = 0;
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential net{nn::Conv2d({.in = 1, .out = 32, .kernel = 3, .padding = 1}, gen),
                       nn::ReLU(),
                       nn::MaxPool2d(2),
                       nn::Conv2d({.in = 32, .out = 64, .kernel = 3, .padding = 1}, gen),
                       nn::BatchNorm2d(64),
                       nn::ReLU(),
                       nn::MaxPool2d(2),
                       nn::Flatten(),
                       nn::Dense(3136, 128, gen),
                       nn::ReLU(),
                       nn::Dropout(0.3, gen),
                       nn::Dense(128, 10, gen)};
    optim::Adam opt(net.parameters(), {.lr = 1e-3});
    return classifier_samples_per_s(net, opt, x, y, kBatch, kBatches, order_gen, final_loss);
  };
  Result r{.metric = "samples_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"batches", kBatches}, {"final_loss", final_loss}, {"peak_rss_mb", peak_rss_mb()}};
  return r;
}

Result run_dqn_pixels(const Options&) {
  constexpr std::int64_t kBatch = 128;
  constexpr std::int64_t kPool = 8;  // distinct batches, cycled through
  constexpr int kSteps = 200;
  Generator data_gen(kSeed + 1);
  const Tensor frames = uniform({kPool * kBatch, 1, 40, 90}, 0, 1, data_gen);
  const Tensor targets = uniform({kPool * kBatch}, -1, 1, data_gen);
  // The action taken in each transition, as a one-hot mask over the 2 actions: the chosen
  // action's value is sum(q * mask, 1) (PyTorch: q.gather(1, action)).
  Tensor masks = zeros({kPool * kBatch, 2});
  for (std::int64_t i = 0; i < kPool * kBatch; ++i) masks.data<float>()[2 * i + data_gen.below(2)] = 1;
  double final_loss = 0;
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential net{nn::Conv2d({.in = 1, .out = 16, .kernel = 5, .stride = 2}, gen),
                       nn::BatchNorm2d(16),
                       nn::ReLU(),
                       nn::Conv2d({.in = 16, .out = 32, .kernel = 5, .stride = 2}, gen),
                       nn::BatchNorm2d(32),
                       nn::ReLU(),
                       nn::Conv2d({.in = 32, .out = 32, .kernel = 5, .stride = 2}, gen),
                       nn::BatchNorm2d(32),
                       nn::ReLU(),
                       nn::Flatten(),
                       nn::Dense(32 * 2 * 8, 2, gen)};
    optim::Adam opt(net.parameters(), {.lr = 1e-3});
    Tensor loss;
    AdaptiveThreads threads;  // soma's default thread count (--threads 0) adapts per step
    const double start = now_s();
    for (int i = 0; i < kSteps; ++i) {
      threads.tick();
      const std::int64_t first = (i % kPool) * kBatch;
      const Tensor xb = slice(frames, 0, first, first + kBatch);
      const Tensor chosen = sum(net(xb) * slice(masks, 0, first, first + kBatch), 1);
      loss = mse_loss(chosen, slice(targets, 0, first, first + kBatch));
      loss.backward();
      opt.step();
      opt.zero_grad();
    }
    const double seconds = now_s() - start;
    final_loss = loss.item();
    return kSteps / seconds;
  };
  Result r{.metric = "steps_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"final_loss", final_loss}, {"peak_rss_mb", peak_rss_mb()}};
  return r;
}

}  // namespace soma::bench
