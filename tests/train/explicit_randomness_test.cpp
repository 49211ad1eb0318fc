// Explicit randomness (docs/design.md, "Determinism"): a model's dropout masks come from the
// generators it owns, so a run from a seed repeats exactly whatever else the process draws —
// default_generator() reseeded or drawn from, another model trained before it or step by step
// beside it.
#include <gtest/gtest.h>

#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

using test::train::bit_identical;
using test::train::blobs;
using test::train::weights_of;

// Dense -> ReLU -> Dropout(0.5) -> Dense, every layer built from Generator(seed).
std::unique_ptr<nn::Sequential> model(std::uint64_t seed) {
  Generator gen(seed);
  auto net = std::make_unique<nn::Sequential>();
  net->push_back(nn::Dense(4, 32, gen));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(0.5, gen));
  net->push_back(nn::Dense(32, 3, gen));
  return net;
}

// The first n examples of `set`, as one batch.
data::Batch first(const data::TensorDataset& set, std::int64_t n) {
  std::vector<std::int64_t> indices(std::size_t(n), 0);
  for (std::int64_t i = 0; i < n; ++i) indices[std::size_t(i)] = i;
  return set.get(indices);
}

// One SGD step on a fixed batch; the dropout mask is the only randomness.
struct Learner {
  std::unique_ptr<nn::Sequential> net;
  optim::SGD opt;
  explicit Learner(std::uint64_t seed) : net(model(seed)), opt(net->parameters(), {.lr = 0.1}) {}
  void step(const data::Batch& b) {
    opt.zero_grad();
    cross_entropy((*net)(b.x), b.y).backward();
    opt.step();
  }
};

TEST(ExplicitRandomness, TrainingTwiceFromOneSeedRepeatsWhateverDefaultGeneratorDoes) {
  const auto set = blobs(64, 3);
  const data::Batch batch = first(*set, 16);
  Learner once(7);
  for (int s = 0; s < 20; ++s) once.step(batch);

  manual_seed(999);
  Learner second(7);
  for (int s = 0; s < 20; ++s) {
    for (int k = 0; k <= s; ++k) default_generator().normal();  // draws between the steps
    second.step(batch);
  }
  EXPECT_TRUE(bit_identical(weights_of(*second.net), weights_of(*once.net)));
  EXPECT_EQ(second.net->at<nn::Dropout>(2).generator().state(), once.net->at<nn::Dropout>(2).generator().state());
}

TEST(ExplicitRandomness, TwoLearnersSteppedInTurnMatchEachTrainedAlone) {
  const auto set = blobs(64, 4);
  const data::Batch batch = first(*set, 8);
  Learner a_alone(1), b_alone(2);
  for (int s = 0; s < 10; ++s) a_alone.step(batch);
  for (int s = 0; s < 10; ++s) b_alone.step(batch);

  Learner a(1), b(2);  // an actor and a learner, a GAN beside a classifier: one process
  for (int s = 0; s < 10; ++s) {
    a.step(batch);
    b.step(batch);
  }
  EXPECT_TRUE(bit_identical(weights_of(*a.net), weights_of(*a_alone.net)));
  EXPECT_TRUE(bit_identical(weights_of(*b.net), weights_of(*b_alone.net)));
}

TEST(ExplicitRandomness, TrainerFitsFromOneSeedAreIdenticalAfterAnotherFit) {
  const auto set = blobs(96, 5);
  const train::FitOptions options{.epochs = 2, .batch_size = 16, .seed = 3, .verbose = 0};
  auto fit = [&](nn::Sequential& net) {
    optim::Adam opt(net.parameters(), {.lr = 0.01});
    train::Trainer(net, opt, loss::CrossEntropy()).fit(set, options);
  };
  auto reference = model(11);
  fit(*reference);

  auto other = model(12);  // a second model trained first in the same process
  fit(*other);
  default_generator().next_u64();
  auto again = model(11);
  fit(*again);
  EXPECT_TRUE(bit_identical(weights_of(*again), weights_of(*reference)));
}

}  // namespace
}  // namespace soma
