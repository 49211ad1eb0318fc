// A training step in its steady state takes no new memory from the system: every tensor,
// gradient, saved activation, optimizer state and oneDNN buffer of a step comes back out of
// the caching allocator (src/core/storage.cpp) after the first steps. Checked with the
// allocator's count of blocks taken from the system, on a small model with every layer kind
// of the B3 and B5 benchmarks (docs/performance.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "soma/core/allocator_stats.h"
#include "soma/core/factory.h"
#include "soma/core/tensor.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "soma/ops/loss.h"
#include "soma/ops/view.h"
#include "soma/optim/adam.h"

namespace soma {
namespace {

TEST(SteadyStateTest, RepeatedCnnTrainingStepTakesNoNewStorageBlocks) {
  Generator gen(3);
  nn::Sequential net{nn::Conv2d({.in = 1, .out = 4, .kernel = 3, .padding = 1}, gen),
                     nn::ReLU(),
                     nn::MaxPool2d(2),
                     nn::Conv2d({.in = 4, .out = 16, .kernel = 3, .stride = 2}, gen),
                     nn::BatchNorm2d(16),
                     nn::ReLU(),
                     nn::Flatten(),
                     nn::Dense(16 * 2 * 2, 16, gen),
                     nn::ReLU(),
                     nn::Dropout(0.3, gen),
                     nn::Dense(16, 3, gen)};
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  const Tensor images = uniform({32, 1, 12, 12}, 0, 1, gen);
  const std::vector<std::int64_t> classes = {0, 1, 2, 1, 0, 2, 2, 1};
  const Tensor labels = from_data(classes, {8});
  auto step = [&](std::int64_t batch) {
    const Tensor xb = slice(images, 0, 8 * (batch % 4), 8 * (batch % 4) + 8);
    Tensor loss = cross_entropy(net(xb), labels);
    loss.backward();
    opt.step();
    opt.zero_grad();
  };
  for (int b = 0; b < 3; ++b) step(b);  // first use: activations, gradients, Adam state
  const std::uint64_t before = detail::storage_blocks_from_system();
  for (int b = 3; b < 9; ++b) step(b);
  EXPECT_EQ(detail::storage_blocks_from_system(), before);
}

TEST(SteadyStateTest, CounterCountsBlocksTheCacheCannotServe) {
  const std::uint64_t before = detail::storage_blocks_from_system();
  std::vector<Tensor> held;
  // 37 MiB: a size class nothing else in the tests uses, held live so none can be reused.
  for (int i = 0; i < 4; ++i) held.emplace_back(Shape{37 << 18}, DType::f32);
  EXPECT_GE(detail::storage_blocks_from_system(), before + 4);
}

}  // namespace
}  // namespace soma
