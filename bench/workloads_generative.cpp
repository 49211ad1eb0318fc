// Generative workloads of shared/BENCHMARKS.md:
//   B8 rbm: Fashion-MNIST train binarized at 0.5, RBM 784 visible x 256 hidden, CD-1 with Gibbs
//           sampling, batch 64 shuffled (gathered with index_select), lr 0.01: updates_per_s over
//           300 updates of a freshly initialized RBM. bench/torch_ref.py runs the same workload
//           with a hand-written PyTorch RBM.
#include <soma/soma.h>

#include <cstdint>
#include <span>
#include <vector>

#include "bench.h"
#include "soma/core/permutation.h"

namespace soma::bench {

Result run_rbm(const Options&) {
  constexpr std::int64_t kBatch = 64;
  constexpr int kUpdates = 300;
  constexpr std::uint64_t kSeed = 0;
  const auto train_set = data::fashion_mnist("train");
  Tensor x = reshape(train_set->x(), {train_set->size(), 784}).copy();
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = p[i] > 0.5f ? 1.0f : 0.0f;
  Generator order_gen(kSeed);
  double final_error = 0;
  auto train = [&] {
    Generator gen(kSeed);
    generative::Rbm rbm({.visible = 784, .hidden = 256, .lr = 0.01}, gen);
    const std::vector<std::int64_t> order = random_permutation(x.size(0), order_gen);
    double error = 0;
    const double start = now_s();
    for (int b = 0; b < kUpdates; ++b) {
      const Tensor index = from_data(std::span<const std::int64_t>(order.data() + b * kBatch, kBatch), {kBatch});
      error = rbm.step(index_select(x, index), gen).reconstruction_error;
    }
    const double seconds = now_s() - start;
    final_error = error;
    return double(kUpdates) / seconds;
  };
  Result r{.metric = "updates_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"updates", kUpdates}, {"final_reconstruction_error", final_error}};
  return r;
}

}  // namespace soma::bench
