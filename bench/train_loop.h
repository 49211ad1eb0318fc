// The training loop B2 and B3 time, shared so that both measure the same thing: a shuffled
// order drawn before the stopwatch starts, each batch gathered with index_select (as a data
// loader would), then one step of the training engine (train::Supervised::train_step: softmax
// cross-entropy, backward, the gradient hooks, an optimizer step and zero_grad), so the
// engine's own cost per step is part of what is timed.
#pragma once

#include <soma/soma.h>

#include <cstdint>
#include <span>
#include <vector>

#include "bench.h"
#include "soma/core/permutation.h"

namespace soma::bench {

/// Trains `net` with `opt` on `batches` batches of `batch` examples of (x, y) in an order
/// drawn from `order_gen`; returns examples per second and sets `final_loss` to the last
/// batch's loss.
inline double classifier_samples_per_s(nn::Module& net, optim::Optimizer& opt, const Tensor& x, const Tensor& y,
                                       std::int64_t batch, int batches, Generator& order_gen, double& final_loss) {
  const std::vector<std::int64_t> order = random_permutation(x.size(0), order_gen);
  train::Supervised learner(net, opt, loss::CrossEntropy());
  train::StepResult step;
  AdaptiveThreads threads;  // soma's default thread count (--threads 0) adapts per step
  const double start = now_s();
  for (int b = 0; b < batches; ++b) {
    threads.tick();
    const Tensor index = from_data(std::span<const std::int64_t>(order.data() + b * batch, batch), {batch});
    step = learner.train_step({index_select(x, index), index_select(y, index)});
  }
  const double seconds = now_s() - start;
  final_loss = step.values.at("loss");
  return double(batches * batch) / seconds;
}

}  // namespace soma::bench
