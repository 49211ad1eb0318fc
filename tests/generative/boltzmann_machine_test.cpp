// BoltzmannMachine: the energy by hand, log Z against an RBM's when the lateral weights are 0,
// Σ_v p(v) = 1, the learning rule against finite differences of the enumerated log-likelihood,
// Gibbs sampling's state frequencies against the enumerated distribution, learning, errors.
#include "soma/generative/boltzmann_machine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "soma/core/factory.h"
#include "soma/generative/rbm_likelihood.h"

namespace soma {
namespace {

using generative::BoltzmannMachine;

// A symmetric weight [n, n] with a zero diagonal, entries ~ N(0, scale²).
Tensor symmetric(std::int64_t n, double scale, Generator& gen) {
  Tensor w = zeros({n, n}, DType::f64);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j) w.data<double>()[i * n + j] = w.data<double>()[j * n + i] = scale * gen.normal();
  return w;
}

double mean_log_prob(const BoltzmannMachine& bm, const Tensor& v) {
  const Tensor lp = bm.log_prob(v);
  double mean = 0;
  for (std::int64_t i = 0; i < lp.numel(); ++i) mean += lp.data<double>()[i] / double(lp.numel());
  return mean;
}

TEST(BoltzmannMachine, EnergyMatchesTheFormulaByHand) {
  BoltzmannMachine bm({.visible = 2, .hidden = 1});
  // W_01 = 1 (visible-visible), W_02 = -2, W_12 = 0.5; b = (0.5, -1, 2).
  bm.set_parameters(tensor({0, 1, -2, 1, 0, 0.5, -2, 0.5, 0}, {3, 3}, DType::f64), tensor({0.5, -1, 2}, {3}, DType::f64));
  const Tensor e = bm.energy(tensor({1, 1, 1, 1, 0, 1, 0, 0, 0}, {3, 3}, DType::f64));
  EXPECT_DOUBLE_EQ(e.data<double>()[0], -(0.5 - 1 + 2) - (1 - 2 + 0.5));  // -1.0
  EXPECT_DOUBLE_EQ(e.data<double>()[1], -(0.5 + 2) - (-2.0));              // -0.5
  EXPECT_DOUBLE_EQ(e.data<double>()[2], 0.0);
}

TEST(BoltzmannMachine, WithoutLateralWeightsItIsAnRbm) {
  Generator gen(3);
  const std::int64_t V = 4, H = 3, n = V + H;
  generative::Rbm rbm({.visible = V, .hidden = H, .dtype = DType::f64}, gen);
  const Tensor W = normal({V, H}, 0, 1, gen, DType::f64), a = normal({V}, 0, 1, gen, DType::f64),
               b = normal({H}, 0, 1, gen, DType::f64);
  std::memcpy(rbm.weight().raw_data(), W.raw_data(), sizeof(double) * V * H);
  std::memcpy(rbm.visible_bias().raw_data(), a.raw_data(), sizeof(double) * V);
  std::memcpy(rbm.hidden_bias().raw_data(), b.raw_data(), sizeof(double) * H);
  Tensor full_w = zeros({n, n}, DType::f64), bias = zeros({n}, DType::f64);
  for (std::int64_t i = 0; i < V; ++i) {
    bias.data<double>()[i] = a.data<double>()[i];
    for (std::int64_t j = 0; j < H; ++j)
      full_w.data<double>()[i * n + V + j] = full_w.data<double>()[(V + j) * n + i] = W.data<double>()[i * H + j];
  }
  for (std::int64_t j = 0; j < H; ++j) bias.data<double>()[V + j] = b.data<double>()[j];
  BoltzmannMachine bm({.visible = V, .hidden = H});
  bm.set_parameters(full_w, bias);
  EXPECT_NEAR(bm.log_partition(), generative::exact_log_partition(rbm), 1e-12);
  const Tensor v = tensor({1, 0, 1, 1, 0, 0, 0, 1}, {2, 4}, DType::f64);
  const Tensor lp = bm.log_prob(v), expected = generative::log_prob(rbm, v, generative::exact_log_partition(rbm));
  for (int r = 0; r < 2; ++r) EXPECT_NEAR(lp.data<double>()[r], expected.data<double>()[r], 1e-12);
}

TEST(BoltzmannMachine, MarginalsSumToOne) {
  Generator gen(1);
  BoltzmannMachine bm({.visible = 3, .hidden = 2});
  bm.set_parameters(symmetric(5, 1.0, gen), normal({5}, 0, 1, gen, DType::f64));
  Tensor all = empty({8, 3}, DType::f64);
  for (int k = 0; k < 8; ++k)
    for (int u = 0; u < 3; ++u) all.data<double>()[k * 3 + u] = double((k >> u) & 1);
  const Tensor lp = bm.log_prob(all);
  double total = 0;
  for (int k = 0; k < 8; ++k) total += std::exp(lp.data<double>()[k]);
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(BoltzmannMachine, LearningRuleIsTheLogLikelihoodGradient) {
  Generator gen(2);
  const std::int64_t n = 5;
  BoltzmannMachine bm({.visible = 3, .hidden = 2});
  const Tensor W = symmetric(n, 0.8, gen), b = normal({n}, 0, 0.5, gen, DType::f64);
  bm.set_parameters(W, b);
  const Tensor data = tensor({1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1}, {4, 3}, DType::f64);
  const auto d = bm.data_statistics(data), m = bm.model_statistics();
  const double eps = 1e-5;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = i + 1; j < n; ++j) {  // W_ij and W_ji move together (one symmetric weight)
      auto at = [&](double delta) {
        Tensor w = W.copy();
        w.data<double>()[i * n + j] += delta;
        w.data<double>()[j * n + i] += delta;
        BoltzmannMachine moved({.visible = 3, .hidden = 2});
        moved.set_parameters(w, b);
        return mean_log_prob(moved, data);
      };
      const double numeric = (at(eps) - at(-eps)) / (2 * eps);
      EXPECT_NEAR(d.pairs.data<double>()[i * n + j] - m.pairs.data<double>()[i * n + j], numeric, 1e-8) << i << "," << j;
    }
    Tensor up = b.copy(), down = b.copy();
    up.data<double>()[i] += eps;
    down.data<double>()[i] -= eps;
    BoltzmannMachine bu({.visible = 3, .hidden = 2}), bd({.visible = 3, .hidden = 2});
    bu.set_parameters(W, up);
    bd.set_parameters(W, down);
    const double numeric = (mean_log_prob(bu, data) - mean_log_prob(bd, data)) / (2 * eps);
    EXPECT_NEAR(d.singles.data<double>()[i] - m.singles.data<double>()[i], numeric, 1e-8) << "bias " << i;
  }
}

TEST(BoltzmannMachine, GibbsSamplesFollowTheEnumeratedDistribution) {
  Generator gen(4);
  BoltzmannMachine bm({.visible = 2, .hidden = 2});
  bm.set_parameters(symmetric(4, 1.5, gen), normal({4}, 0, 1, gen, DType::f64));
  const double log_z = bm.log_partition();
  const std::int64_t chains = 20000;
  const Tensor s = bm.gibbs(zeros({chains, 4}, DType::f64), 10, gen);
  std::vector<double> freq(16, 0.0);
  for (std::int64_t r = 0; r < chains; ++r) {
    int k = 0;
    for (int u = 0; u < 4; ++u) k |= int(s.data<double>()[r * 4 + u]) << u;
    freq[std::size_t(k)] += 1.0 / double(chains);
  }
  double tv = 0;
  for (int k = 0; k < 16; ++k) {
    const Tensor state = tensor({double(k & 1), double((k >> 1) & 1), double((k >> 2) & 1), double((k >> 3) & 1)},
                                {1, 4}, DType::f64);
    tv += 0.5 * std::abs(freq[std::size_t(k)] - std::exp(-bm.energy(state).data<double>()[0] - log_z));
  }
  EXPECT_LT(tv, 0.03);
  // Clamped sweeps leave the visible units alone.
  const Tensor start = tensor({1, 0, 0, 0, 0, 1, 1, 1}, {2, 4}, DType::f64);
  const Tensor clamped = bm.gibbs(start, 5, gen, true);
  for (int r = 0; r < 2; ++r)
    for (int u = 0; u < 2; ++u) EXPECT_EQ(clamped.data<double>()[r * 4 + u], start.data<double>()[r * 4 + u]);
}

TEST(BoltzmannMachine, ExactAndSampledLearningRaiseTheLikelihood) {
  // Two patterns and their complements: the hidden units must learn the "which pattern" cause.
  const Tensor data = tensor({1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, {4, 4}, DType::f64);
  for (bool sampled : {false, true}) {
    Generator gen(6);
    BoltzmannMachine bm({.visible = 4, .hidden = 2, .lr = 0.1}, gen);
    const double before = mean_log_prob(bm, data);
    for (int t = 0; t < 300; ++t) sampled ? bm.step_sampled(data, 2, gen) : bm.step_exact(data);
    const double after = mean_log_prob(bm, data);
    EXPECT_GT(after, before + 1.0) << (sampled ? "sampled" : "exact");
    EXPECT_GT(after, -2.0) << (sampled ? "sampled" : "exact");  // uniform is 4 log 2 = -2.77; the optimum -log 2
  }
}

TEST(BoltzmannMachine, RejectsBadArguments) {
  EXPECT_THROW(BoltzmannMachine({.visible = 0, .hidden = 1}), Error);
  EXPECT_THROW(BoltzmannMachine({.visible = 15, .hidden = 6}), Error);
  EXPECT_THROW(BoltzmannMachine({.visible = 2, .hidden = 1, .lr = 0}), Error);
  BoltzmannMachine bm({.visible = 2, .hidden = 1});
  EXPECT_THROW(bm.set_parameters(tensor({0, 1, 0, 2, 0, 0, 0, 0, 0}, {3, 3}, DType::f64), zeros({3}, DType::f64)), Error);
  EXPECT_THROW(bm.set_parameters(eye(3, DType::f64), zeros({3}, DType::f64)), Error);
  EXPECT_THROW(bm.energy(full({1, 3}, 0.5, DType::f64)), Error);
  EXPECT_THROW(bm.log_prob(zeros({1, 3}, DType::f64)), Error);
  Generator gen(0);
  bm.step_sampled(zeros({2, 2}, DType::f64), 1, gen);
  EXPECT_THROW(bm.step_sampled(zeros({3, 2}, DType::f64), 1, gen), Error);
}

}  // namespace
}  // namespace soma
