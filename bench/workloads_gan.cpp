// Generative workload B7 of shared/BENCHMARKS.md:
//   B7 gan: Fashion-MNIST train scaled to [-1, 1]; G 100-256-512-784 LeakyReLU(0.2), tanh out;
//           D 784-512-256-1 LeakyReLU(0.2), sigmoid out; BCE; batch 64 shuffled; Adam 2e-4,
//           beta1 0.5. An iteration is one D step (real batch + a batch of G(z) made without
//           gradients) and one G step on fresh noise (non-saturating loss), through
//           generative::GanLearner: iterations_per_s over 200 iterations of fresh networks.
//           bench/torch_ref.py runs the same loop in PyTorch.
#include <soma/soma.h>

#include <cstdint>
#include <span>
#include <vector>

#include "bench.h"
#include "soma/core/permutation.h"

namespace soma::bench {

Result run_gan(const Options&) {
  constexpr std::int64_t kBatch = 64;
  constexpr int kIterations = 200;
  constexpr std::uint64_t kSeed = 0;
  const auto train_set = data::fashion_mnist("train");
  const Tensor x = reshape(train_set->x(), {train_set->size(), 784}) * 2.0 - 1.0;
  Generator order_gen(kSeed);
  double d_loss = 0, g_loss = 0;
  auto train = [&] {
    Generator gen(kSeed);
    nn::Sequential g(nn::Dense(100, 256, gen), nn::LeakyReLU(0.2), nn::Dense(256, 512, gen), nn::LeakyReLU(0.2),
                     nn::Dense(512, 784, gen), nn::Tanh());
    nn::Sequential d(nn::Dense(784, 512, gen), nn::LeakyReLU(0.2), nn::Dense(512, 256, gen), nn::LeakyReLU(0.2),
                     nn::Dense(256, 1, gen), nn::Sigmoid());
    optim::Adam g_opt(g.parameters(), {.lr = 2e-4, .betas = {0.5, 0.999}});
    optim::Adam d_opt(d.parameters(), {.lr = 2e-4, .betas = {0.5, 0.999}});
    generative::GanLearner gan(g, d, g_opt, d_opt, {.noise_shape = {100}, .seed = kSeed});
    const std::vector<std::int64_t> order = random_permutation(x.size(0), order_gen);
    const double start = now_s();
    for (int it = 0; it < kIterations; ++it) {
      const Tensor index = from_data(std::span<const std::int64_t>(order.data() + it * kBatch, kBatch), {kBatch});
      d_loss = gan.discriminator_step(index_select(x, index)).d_loss;
      g_loss = gan.generator_step(kBatch).g_loss;
    }
    return double(kIterations) / (now_s() - start);
  };
  Result r{.metric = "iterations_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"iterations", kIterations}, {"final_d_loss", d_loss}, {"final_g_loss", g_loss}};
  return r;
}

}  // namespace soma::bench
