// GanLearner: one step's losses against the formulas computed with ops on the same batch, the
// minimax and non-saturating generator gradients against their closed forms (read by a
// gradient hook), k D steps per G step, D's loss falling, the state_dict round trip, seeded
// determinism, the noise distributions and the shape errors.
#include "soma/generative/gan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "ops/op_test_util.h"
#include "soma/io/weights.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/optim/adam.h"
#include "soma/optim/sgd.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using generative::GanLoss;
using generative::GanNoise;
using generative::GanOptions;
using generative::GanLearner;

// A small G (4 -> 6, tanh) and D (6 -> 1, sigmoid) with their Adams, built from one seed.
struct TinyGan {
  explicit TinyGan(std::uint64_t seed, std::int64_t g_out = 6) : init(seed) {
    g = nn::Sequential(nn::Dense(4, 8, init), nn::LeakyReLU(0.2), nn::Dense(8, g_out, init), nn::Tanh());
    d = nn::Sequential(nn::Dense(6, 8, init), nn::LeakyReLU(0.2), nn::Dense(8, 1, init), nn::Sigmoid());
    g_opt = std::make_unique<optim::Adam>(g.parameters(), optim::AdamOptions{.lr = 1e-2, .betas = {0.5, 0.999}});
    d_opt = std::make_unique<optim::Adam>(d.parameters(), optim::AdamOptions{.lr = 1e-2, .betas = {0.5, 0.999}});
  }
  Generator init;
  nn::Sequential g, d;
  std::unique_ptr<optim::Adam> g_opt, d_opt;
};

double value(const Tensor& t) { return t.item(); }

TEST(Gan, OneStepsLossesAreTheFormulas) {
  for (const GanLoss kind : {GanLoss::non_saturating, GanLoss::minimax}) {
    TinyGan net(1);
    GanLearner gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}, .generator_loss = kind});
    Generator data(2);
    const Tensor real = uniform({5, 6}, -1, 1, data), z = normal({5, 4}, 0, 1, data);
    double d_loss, d_real, d_fake;
    {
      NoGradGuard no_grad;
      const Tensor p_real = net.d(real), p_fake = net.d(net.g(z));
      d_loss = -value(mean(log(p_real)) + mean(log(1.0 - p_fake)));
      d_real = value(mean(p_real)), d_fake = value(mean(p_fake));
    }
    const auto d_step = gan.discriminator_step(real, z);
    EXPECT_NEAR(d_step.d_loss, d_loss, 1e-5);
    EXPECT_NEAR(d_step.d_real, d_real, 1e-6);
    EXPECT_NEAR(d_step.d_fake, d_fake, 1e-6);

    const Tensor z2 = normal({5, 4}, 0, 1, data);
    double g_loss, g_fake;
    {
      NoGradGuard no_grad;  // D as the D step left it
      const Tensor p_fake = net.d(net.g(z2));
      g_loss = kind == GanLoss::minimax ? value(mean(log(1.0 - p_fake))) : -value(mean(log(p_fake)));
      g_fake = value(mean(p_fake));
    }
    const auto g_step = gan.generator_step(z2);
    EXPECT_NEAR(g_step.g_loss, g_loss, 1e-5);
    EXPECT_NEAR(g_step.d_fake, g_fake, 1e-6);
  }
}

// G(z) = w·z + b with w = 0, D = sigmoid: every D(G(z)) is p = sigmoid(b). By the chain rule,
// dL/db = dL/dp * p (1 - p) with dL/dp = -1 / (1 - p) (minimax: L = log(1 - p)) or -1 / p
// (non-saturating: L = -log p), i.e. -p and -(1 - p). lr = 0 keeps b where it was.
TEST(Gan, GeneratorGradientsFollowTheTwoLosses) {
  for (const double b : {0.7, -2.5}) {
    const double p = 1 / (1 + std::exp(-b));
    for (const GanLoss kind : {GanLoss::minimax, GanLoss::non_saturating}) {
      nn::Dense g(3, 1);
      for (int j = 0; j < 3; ++j) Tensor(g.weight()).set({0, j}, 0);
      Tensor(g.bias()).set({0}, b);
      nn::Sigmoid d;
      Tensor unused = zeros({1});
      unused.set_requires_grad();
      optim::SGD g_opt(g.parameters(), {.lr = 0}), d_opt({unused}, {.lr = 0});
      GanLearner gan(g, d, g_opt, d_opt, {.noise_shape = {3}, .generator_loss = kind});
      double grad = NAN;  // the step zeroes the gradients after its update: read them in a hook
      gan.add_gradient_hook([&](optim::Optimizer& opt) {
        EXPECT_EQ(&opt, &g_opt);
        grad = g.bias().grad().at({0});
      });
      const auto step = gan.generator_step(4);
      EXPECT_NEAR(step.d_fake, p, 1e-6);
      const double expected = kind == GanLoss::minimax ? -p : -(1 - p);
      EXPECT_NEAR(grad, expected, 1e-5) << "b = " << b;
      EXPECT_EQ(unused.grad().defined() ? unused.grad().at({0}) : 0.0, 0.0);
      EXPECT_NEAR(step.g_loss, kind == GanLoss::minimax ? std::log(1 - p) : -std::log(p), 1e-5);
    }
  }
}

TEST(Gan, TakesKDiscriminatorStepsPerGeneratorStep) {
  TinyGan net(3);
  GanLearner gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}, .d_steps = 3});
  const Tensor data = uniform({14, 6}, -1, 1, net.init);  // 7 batches of 2: G steps after the 3rd and 6th
  double g_loss = NAN;
  for (std::int64_t b = 0; b < 7; ++b) {
    const auto step = gan.train_step({slice(data, 0, 2 * b, 2 * b + 2), Tensor()});
    EXPECT_EQ(step.examples, 2);
    for (const char* key : {"d_loss", "d_real", "d_fake"}) EXPECT_TRUE(std::isfinite(step.values.at(key)));
    // g_loss: none before the first G step, then the latest G step's, new after every third batch.
    EXPECT_EQ(step.values.count("g_loss"), b >= 2 ? 1u : 0u) << "batch " << b;
    if (b < 2) continue;
    if (b % 3 == 2) EXPECT_NE(step.values.at("g_loss"), g_loss) << "batch " << b;
    else EXPECT_EQ(step.values.at("g_loss"), g_loss) << "batch " << b;
    g_loss = step.values.at("g_loss");
  }
  EXPECT_EQ(gan.d_steps_taken(), 7);
  EXPECT_EQ(gan.g_steps_taken(), 2);
  EXPECT_EQ(net.d_opt->steps(), 7);
  EXPECT_EQ(net.g_opt->steps(), 2);
  EXPECT_EQ(gan.model().named_parameters().size(), net.g.named_parameters().size() + net.d.named_parameters().size());
  EXPECT_EQ(gan.model().named_parameters().front().first, "generator.layers.0.weight");
}

// With G's steps far apart, the learner is a classifier of a fixed G's fakes against a real
// batch: D's loss must fall (float64, plain SGD).
TEST(Gan, DiscriminatorLossFallsAgainstAFixedGenerator) {
  Generator init(8);
  auto dense = [&](std::int64_t in, std::int64_t out) { return nn::Dense({.in = in, .out = out, .dtype = DType::f64}, init); };
  nn::Sequential g(dense(4, 6), nn::Tanh());
  nn::Sequential d(dense(6, 8), nn::LeakyReLU(0.2), dense(8, 1), nn::Sigmoid());
  optim::SGD g_opt(g.parameters(), {.lr = 0.1}), d_opt(d.parameters(), {.lr = 0.2});
  GanLearner gan(g, d, g_opt, d_opt, {.noise_shape = {4}, .d_steps = 1000, .seed = 3});
  const Tensor real = uniform({16, 6}, 0.5, 1, init, DType::f64);
  const double first = gan.train_step({real, Tensor()}).values.at("d_loss");
  double last = first;
  for (int i = 0; i < 60; ++i) last = gan.train_step({real, Tensor()}).values.at("d_loss");
  EXPECT_LT(last, 0.5 * first);
}

// state_dict and the noise generator are all a resume needs besides weights and optimizers:
// a learner restored from them continues with the same steps.
TEST(Gan, StateDictRoundTrip) {
  TinyGan a(11), b(11);
  GanLearner gan_a(a.g, a.d, *a.g_opt, *a.d_opt, {.noise_shape = {4}, .d_steps = 2, .seed = 5});
  GanLearner gan_b(b.g, b.d, *b.g_opt, *b.d_opt, {.noise_shape = {4}, .d_steps = 2, .seed = 99});
  const Tensor data = uniform({6, 6}, -1, 1, a.init);
  gan_a.train_step({slice(data, 0, 0, 3), Tensor()});  // one D step: the next takes a G step too
  // b: same weights and optimizer state as a (one D step with a's noise), then a's counters.
  io::load_state_dict(gan_b.model(), io::state_dict(gan_a.model()));
  b.d_opt->load_state_dict(a.d_opt->state_dict());
  gan_b.load_state_dict(gan_a.state_dict());
  gan_b.generators().front().second->set_state(gan_a.generators().front().second->state());
  EXPECT_EQ(gan_b.d_steps_taken(), 1);
  const auto sa = gan_a.train_step({slice(data, 0, 3, 6), Tensor()});
  const auto sb = gan_b.train_step({slice(data, 0, 3, 6), Tensor()});
  EXPECT_EQ(sa.values, sb.values);
  ASSERT_TRUE(sb.values.count("g_loss"));
  EXPECT_EQ(test::values(a.g.parameters().front()), test::values(b.g.parameters().front()));
  EXPECT_TRUE(test::throws_error_with([&] { gan_b.load_state_dict({}); }, {"d_steps_taken"}));
}

TEST(Gan, IsDeterministicForASeed) {
  auto run = [](std::uint64_t seed, std::uint64_t gan_seed) {
    TinyGan net(seed);
    GanLearner gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}, .seed = gan_seed, .samples = 6});
    const Tensor data = uniform({12, 6}, -1, 1, net.init);
    double d_loss = 0;
    for (std::int64_t b = 0; b < 3; ++b) d_loss = gan.train_step({slice(data, 0, 4 * b, 4 * b + 4), Tensor()}).values.at("d_loss");
    return std::make_pair(d_loss, gan.sample_fixed());
  };
  const auto a = run(5, 9), b = run(5, 9), c = run(5, 10);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(test::values(a.second), test::values(b.second));
  EXPECT_NE(a.first, c.first);
}

TEST(Gan, DrawsNormalOrUniformNoise) {
  TinyGan net(4);
  GanLearner normal_gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}});
  GanLearner uniform_gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}, .noise = GanNoise::uniform});
  const Tensor zn = normal_gan.noise(5000), zu = uniform_gan.noise(5000);
  ASSERT_EQ(zn.shape(), Shape({5000, 4}));
  const double mean_n = value(mean(zn)), sd_n = std::sqrt(value(mean(zn * zn)) - mean_n * mean_n);
  EXPECT_NEAR(mean_n, 0, 0.03);  // 4 standard errors of 20000 draws
  EXPECT_NEAR(sd_n, 1, 0.03);
  EXPECT_GE(value(min(zu)), -1);
  EXPECT_LT(value(max(zu)), 1);
  EXPECT_NEAR(value(mean(zu * zu)), 1.0 / 3, 0.01);  // E[u²] of U(-1, 1)
  EXPECT_EQ(normal_gan.fixed_noise().shape(), Shape({64, 4}));
}

TEST(Gan, ShapeErrorsNameBothSides) {
  using test::throws_error_with;
  TinyGan net(6, /*g_out=*/5);  // G makes 5 features, D wants 6
  GanLearner gan(net.g, net.d, *net.g_opt, *net.d_opt, {.noise_shape = {4}});
  EXPECT_TRUE(throws_error_with([&] { gan.discriminator_step(zeros({3, 6})); },
                                {"generator's output [3, 5]", "real batch [3, 6]"}));
  EXPECT_TRUE(throws_error_with([&] { gan.generator_step(3); }, {"discriminator (Sequential)", "[3, 5]", "Dense"}));
  EXPECT_TRUE(throws_error_with([&] { gan.generator_step(zeros({3, 7})); }, {"noise", "[4]", "[3, 7]"}));
  TinyGan ok(6);
  nn::Sequential two_outputs(nn::Dense(6, 2));
  optim::SGD two_opt(two_outputs.parameters());
  GanLearner bad_d(ok.g, two_outputs, *ok.g_opt, two_opt, {.noise_shape = {4}});
  EXPECT_TRUE(throws_error_with([&] { bad_d.discriminator_step(zeros({3, 6})); }, {"one probability per example", "[3, 2]"}));
  EXPECT_TRUE(throws_error_with([&] { GanLearner(ok.g, ok.d, *ok.g_opt, *ok.d_opt, {.d_steps = 0}); }, {"d_steps", "0"}));
  EXPECT_TRUE(throws_error_with([&] { GanLearner(ok.g, ok.d, *ok.g_opt, *ok.d_opt, {.samples = 0}); }, {"samples"}));
}

}  // namespace
}  // namespace soma
