// Tests of include/soma/nn/dropout.h: the layer drops in training mode and is the identity
// after eval() (also inside Sequential), draws its masks from a generator of its own (seeded
// by the option or by one draw of the construction generator, registered as "generator" and
// shared by copies), never from default_generator(), holds no parameters, and rejects p
// outside [0, 1].
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/sequential.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::throws_error_with;

std::int64_t count_zeros(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < d.numel(); ++i) n += d.data<double>()[i] == 0;
  return n;
}

TEST(LayerDropout, DropsInTrainingAndPassesThroughInEvaluation) {
  Generator gen(1);
  nn::Dropout drop(0.5, gen);
  EXPECT_EQ(drop.p(), 0.5);
  EXPECT_TRUE(drop.parameters().empty());
  const Tensor x = ones({100, 10});
  const Tensor y = drop(x);
  EXPECT_GT(count_zeros(y), 300);
  EXPECT_LT(count_zeros(y), 700);
  drop.eval();
  const Tensor z = drop(x);
  EXPECT_TRUE(z.shares_storage(x));
  EXPECT_EQ(count_zeros(z), 0);
}

TEST(LayerDropout, SameSeedSameMasks) {
  Generator a(7), b(7);
  nn::Dropout da(0.3, a), db(0.3, b);
  const Tensor x = test::random64({20, 20});
  for (int step = 0; step < 3; ++step) {
    const Tensor ya = da(x), yb = db(x);
    for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(ya.data<double>()[i], yb.data<double>()[i]);
  }
}

TEST(LayerDropout, FollowsTheTrainFlagOfItsSequential) {
  Generator gen(2);
  nn::Sequential net{nn::Dense(4, 50, gen), nn::Dropout(0.5, gen)};
  const Tensor x = normal({8, 4}, 0, 1, gen);
  EXPECT_GT(count_zeros(net(x)), 0);
  net.eval();
  EXPECT_EQ(count_zeros(net(x)), 0);
  net.train();
  EXPECT_GT(count_zeros(net(x)), 0);
}

TEST(LayerDropout, OwnsAGeneratorSeededByOneDrawOfTheConstructionGenerator) {
  Generator gen(5), copy(5);
  nn::Dropout drop(0.5, gen);
  Generator expected(copy.next_u64());
  EXPECT_EQ(gen.state(), copy.state()) << "exactly one draw";
  EXPECT_EQ(drop.generator().state(), expected.state());

  nn::Dropout seeded({.p = 0.5, .seed = 42}, gen);
  EXPECT_EQ(gen.state(), copy.state()) << "an explicit seed takes no draw";
  EXPECT_EQ(seeded.generator().state(), Generator(42).state());
}

TEST(LayerDropout, MasksIgnoreTheDefaultGenerator) {
  const Tensor x = test::random64({10, 10});
  Generator a(3), b(3);
  nn::Dropout da(0.4, a), db(0.4, b);
  const Tensor ya = da(x);
  for (int i = 0; i < 5; ++i) default_generator().next_u64();
  manual_seed(123);
  const Tensor yb = db(x);
  for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(ya.data<double>()[i], yb.data<double>()[i]);
}

TEST(LayerDropout, NamedGeneratorsListItsGeneratorAndACopySharesIt) {
  Generator gen(4);
  nn::Sequential net{nn::Dense(4, 8, gen), nn::ReLU(), nn::Dropout(0.5, gen), nn::Dense(8, 2, gen)};
  const auto gens = net.named_generators();
  ASSERT_EQ(gens.size(), 1u);
  EXPECT_EQ(gens[0].first, "layers.2.generator");
  EXPECT_EQ(gens[0].second.get(), &net.at<nn::Dropout>(2).generator());

  nn::Dropout drop({.p = 0.5, .seed = 1});
  nn::Dropout twin = drop;
  EXPECT_EQ(&twin.generator(), &drop.generator());
  ASSERT_EQ(twin.named_generators().size(), 1u);
  EXPECT_EQ(twin.named_generators()[0].second, drop.named_generators()[0].second);
  EXPECT_EQ(twin.named_generators()[0].first, "generator");
}

TEST(LayerDropout, RejectsPOutsideZeroOne) {
  EXPECT_TRUE(throws_error_with([] { nn::Dropout(1.5); }, {"Dropout", "[0, 1]", "1.5"}));
  EXPECT_TRUE(throws_error_with([] { nn::Dropout(-0.5); }, {"Dropout", "-0.5"}));
  EXPECT_NO_THROW(nn::Dropout(1.0));
  EXPECT_NO_THROW(nn::Dropout(0.0));
}

}  // namespace
}  // namespace soma
