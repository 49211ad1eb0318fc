// The training loop B2 and B3 time, shared so that both measure the same thing: a shuffled
// order drawn before the stopwatch starts, each batch gathered with index_select (as a data
// loader would), softmax cross-entropy, backward, an optimizer step and zero_grad.
#pragma once

#include <soma/soma.h>

#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "bench.h"

namespace soma::bench {

/// A random order of 0..n-1 (Fisher-Yates from `gen`).
inline std::vector<std::int64_t> shuffled_indices(std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.below(std::uint64_t(i + 1))]);
  return order;
}

/// Trains `net` with `opt` on `batches` batches of `batch` examples of (x, y) in an order
/// drawn from `order_gen`; returns examples per second and sets `final_loss` to the last
/// batch's loss.
inline double classifier_samples_per_s(nn::Module& net, optim::Optimizer& opt, const Tensor& x, const Tensor& y,
                                       std::int64_t batch, int batches, Generator& order_gen, double& final_loss) {
  const std::vector<std::int64_t> order = shuffled_indices(x.size(0), order_gen);
  Tensor loss;
  const double start = now_s();
  for (int b = 0; b < batches; ++b) {
    const Tensor index = from_data(std::span<const std::int64_t>(order.data() + b * batch, batch), {batch});
    loss = cross_entropy(net(index_select(x, index)), index_select(y, index));
    loss.backward();
    opt.step();
    opt.zero_grad();
  }
  const double seconds = now_s() - start;
  final_loss = loss.item();
  return double(batches * batch) / seconds;
}

}  // namespace soma::bench
