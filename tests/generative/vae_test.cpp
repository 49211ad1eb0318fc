// VAE pieces: the KL term against its closed form and a gradient check, the reparameterization
// (gradients, and the mean and spread of its samples), the loss, and a Vae that learns.
#include "soma/generative/vae.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/loss.h"
#include "soma/optim/adam.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using generative::gaussian_kl;
using generative::reparameterize;
using generative::Vae;

TEST(Vae, GaussianKlMatchesTheClosedForm) {
  const Tensor mu = tensor({{0.5, -1.0}, {0.0, 2.0}}, DType::f64);
  const Tensor logvar = tensor({{0.0, -0.5}, {1.0, 0.3}}, DType::f64);
  double expected = 0;
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 2; ++j) {
      const double m = mu.at({n, j}), lv = logvar.at({n, j});
      expected += 0.5 * (m * m + std::exp(lv) - 1 - lv);  // KL(N(m, e^lv) || N(0, 1))
    }
  EXPECT_NEAR(gaussian_kl(mu, logvar).item(), expected / 2, 1e-12);
  EXPECT_NEAR(gaussian_kl(zeros({3, 4}, DType::f64), zeros({3, 4}, DType::f64)).item(), 0.0, 1e-15);
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return gaussian_kl(in[0], in[1]); },
                              {test::random64({3, 4}, 1), test::random64({3, 4}, 2, 0, 0.5)}));
}

TEST(Vae, ReparameterizeIsDifferentiableAndHasTheRightSpread) {
  EXPECT_TRUE(test::gradcheck(
      [](const std::vector<Tensor>& in) {
        Generator gen(5);  // the same eps on every call
        return reparameterize(in[0], in[1], gen);
      },
      {test::random64({4, 3}, 3), test::random64({4, 3}, 4, 0, 0.5)}));
  Generator gen(1);
  const Tensor z = reparameterize(full({20000, 1}, 1.5, DType::f64), full({20000, 1}, std::log(0.25), DType::f64), gen);
  double mean = 0, var = 0;
  for (std::int64_t i = 0; i < 20000; ++i) mean += z.at({i, 0}) / 20000;
  for (std::int64_t i = 0; i < 20000; ++i) var += std::pow(z.at({i, 0}) - mean, 2) / 20000;
  EXPECT_NEAR(mean, 1.5, 0.02);           // 4 standard errors: 0.5 / sqrt(20000) = 0.0035
  EXPECT_NEAR(std::sqrt(var), 0.5, 0.02);
}

TEST(Vae, LossIsReconstructionPlusKl) {
  Generator gen(2);
  const Tensor logits = normal({4, 6}, 0, 1, gen, DType::f64), x = bernoulli({4, 6}, 0.5, gen, DType::f64);
  const Tensor mu = normal({4, 2}, 0, 1, gen, DType::f64), logvar = normal({4, 2}, 0, 0.3, gen, DType::f64);
  const double bce = binary_cross_entropy_with_logits(logits, x, Reduction::sum).item() / 4;
  EXPECT_NEAR(generative::vae_loss(logits, x, mu, logvar).item(), bce + gaussian_kl(mu, logvar).item(), 1e-12);
}

TEST(Vae, LearnsToReconstruct) {
  Generator gen(3);
  Vae vae({.input = 12, .hidden = 16, .latent = 2}, gen);
  // Two patterns and their noisy copies.
  std::vector<double> rows;
  for (int r = 0; r < 32; ++r)
    for (int i = 0; i < 12; ++i) rows.push_back(((i < 6) == (r % 2 == 0)) ? 1.0 : 0.0);
  const Tensor x = from_data(rows, {32, 12});
  optim::Adam opt(vae.parameters(), {.lr = 1e-2});
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    const auto out = vae.run(x, gen);
    Tensor loss = generative::vae_loss(out.logits, x, out.mu, out.logvar);
    opt.zero_grad();
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  EXPECT_LT(last, 0.3 * first);
  const Tensor recon = sigmoid(vae(x));
  EXPECT_GT(recon.at({0, 0}), 0.8);
  EXPECT_LT(recon.at({0, 11}), 0.2);
  EXPECT_EQ(vae.decode(zeros({5, 2})).shape(), Shape({5, 12}));
}

TEST(Vae, ArgumentErrors) {
  using test::throws_error_with;
  Generator gen(0);
  EXPECT_TRUE(throws_error_with([] { Vae({.input = 0}); }, {"Vae", "positive"}));
  Vae vae({.input = 6, .hidden = 4, .latent = 2});
  EXPECT_TRUE(throws_error_with([&] { vae.encode(zeros({2, 5})); }, {"Vae(6 -> 2)", "[N, 6]", "[2, 5]"}));
  EXPECT_TRUE(throws_error_with([&] { vae.decode(zeros({2, 3})); }, {"decode", "[N, 2]", "[2, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { reparameterize(zeros({2, 3}), zeros({2, 2}), gen); }, {"reparameterize", "[2, 3]", "[2, 2]"}));
  EXPECT_TRUE(throws_error_with([&] { gaussian_kl(zeros({3}), zeros({3})); }, {"gaussian_kl", "[N, latent]"}));
}

}  // namespace
}  // namespace soma
