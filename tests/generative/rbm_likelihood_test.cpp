// Rbm::energy and rbm_likelihood.h: the energy by hand, exact log Z against a brute-force sum
// over every (v, h) of the energy, Σ_v p(v) = 1, AIS against the exact value on RBMs small
// enough to enumerate, AIS exact when the base is the target, and argument errors.
#include "soma/generative/rbm_likelihood.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/factory.h"
#include "soma/ops/view.h"
#include "support/assign_values.h"

namespace soma {
namespace {

using generative::Rbm;

// An RBM with W ~ N(0, scale²) and biases ~ N(0, 0.5²), float64.
Rbm random_rbm(std::int64_t visible, std::int64_t hidden, double scale, std::uint64_t seed) {
  Generator gen(seed);
  Rbm rbm({.visible = visible, .hidden = hidden, .dtype = DType::f64}, gen);
  test::assign_values(rbm.weight(), normal({visible, hidden}, 0, scale, gen, DType::f64));
  test::assign_values(rbm.visible_bias(), normal({visible}, 0, 0.5, gen, DType::f64));
  test::assign_values(rbm.hidden_bias(), normal({hidden}, 0, 0.5, gen, DType::f64));
  return rbm;
}

// Every binary vector of `units` entries as rows [2^units, units].
Tensor all_states(std::int64_t units) {
  const std::int64_t count = std::int64_t(1) << units;
  Tensor out = empty({count, units}, DType::f64);
  for (std::int64_t k = 0; k < count; ++k)
    for (std::int64_t u = 0; u < units; ++u) out.data<double>()[k * units + u] = double((k >> u) & 1);
  return out;
}

TEST(RbmEnergy, MatchesTheFormulaByHand) {
  Rbm rbm({.visible = 2, .hidden = 2, .dtype = DType::f64});
  test::assign_values(rbm.weight(), tensor({1, -2, 0.5, 3}, {2, 2}, DType::f64));
  test::assign_values(rbm.visible_bias(), tensor({0.25, -1}, {2}, DType::f64));
  test::assign_values(rbm.hidden_bias(), tensor({2, 0.5}, {2}, DType::f64));
  const Tensor v = tensor({1, 1, 1, 0}, {2, 2}, DType::f64), h = tensor({1, 1, 0, 1}, {2, 2}, DType::f64);
  const Tensor e = rbm.energy(v, h);
  // Row 0: -(0.25 - 1) - (2 + 0.5) - (1 - 2 + 0.5 + 3) = 0.75 - 2.5 - 2.5 = -4.25.
  // Row 1: -0.25 - 0.5 - (-2) = 1.25.
  EXPECT_DOUBLE_EQ(e.data<double>()[0], -4.25);
  EXPECT_DOUBLE_EQ(e.data<double>()[1], 1.25);
}

TEST(RbmEnergy, RejectsBadArguments) {
  Rbm rbm({.visible = 3, .hidden = 2, .dtype = DType::f64});
  EXPECT_THROW(rbm.energy(zeros({1, 3}, DType::f64), zeros({1, 3}, DType::f64)), Error);
  EXPECT_THROW(rbm.energy(zeros({1, 3}, DType::f64), zeros({2, 2}, DType::f64)), Error);
  EXPECT_THROW(rbm.energy(full({1, 3}, -1.0, DType::f64), zeros({1, 2}, DType::f64)), Error);
  EXPECT_THROW(rbm.energy(zeros({1, 3}, DType::f64), full({1, 2}, 2.0, DType::f64)), Error);
}

// log Σ_{v,h} exp(-E(v, h)) straight from Rbm::energy.
double brute_force_log_partition(const Rbm& rbm) {
  const Tensor vs = all_states(rbm.options().visible), hs = all_states(rbm.options().hidden);
  std::vector<double> terms;
  for (std::int64_t i = 0; i < vs.size(0); ++i)
    for (std::int64_t j = 0; j < hs.size(0); ++j) {
      const Tensor v = slice(vs, 0, i, i + 1).copy(), h = slice(hs, 0, j, j + 1).copy();
      terms.push_back(-rbm.energy(v, h).data<double>()[0]);
    }
  double top = terms[0], sum = 0;
  for (double t : terms) top = std::max(top, t);
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

TEST(RbmLikelihood, ExactLogPartitionMatchesTheSumOverEveryState) {
  for (auto [v, h] : {std::pair{5, 3}, std::pair{3, 5}, std::pair{4, 4}}) {
    const Rbm rbm = random_rbm(v, h, 1.0, 7 + v);
    EXPECT_NEAR(generative::exact_log_partition(rbm), brute_force_log_partition(rbm), 1e-10) << v << " x " << h;
  }
}

TEST(RbmLikelihood, ExactProbabilitiesSumToOne) {
  for (auto [v, h] : {std::pair{6, 9}, std::pair{9, 6}}) {
    const Rbm rbm = random_rbm(v, h, 1.5, 3);
    const Tensor lp = generative::log_prob(rbm, all_states(v), generative::exact_log_partition(rbm));
    double total = 0;
    for (std::int64_t i = 0; i < lp.numel(); ++i) total += std::exp(lp.data<double>()[i]);
    EXPECT_NEAR(total, 1.0, 1e-12) << v << " x " << h;
  }
}

TEST(RbmLikelihood, AisIsExactWhenTheBaseIsTheTarget) {
  // W = 0 and a_A = a: every importance weight is 1, so log Ẑ = Σ softplus(a) + Σ softplus(b).
  Rbm rbm({.visible = 6, .hidden = 3, .dtype = DType::f64});
  test::assign_values(rbm.weight(), zeros({6, 3}, DType::f64));
  const Tensor a = tensor({0.3, -1, 2, 0, -0.5, 1}, {6}, DType::f64);
  test::assign_values(rbm.visible_bias(), a);
  test::assign_values(rbm.hidden_bias(), tensor({1, -2, 0.5}, {3}, DType::f64));
  Generator gen(1);
  const auto est = generative::ais_log_partition(rbm, {.runs = 10, .steps = 100, .base_visible_bias = a}, gen);
  double expected = 0;
  for (double x : {0.3, -1.0, 2.0, 0.0, -0.5, 1.0, 1.0, -2.0, 0.5}) expected += std::log1p(std::exp(x));
  EXPECT_NEAR(est.log_z, expected, 1e-12);
  EXPECT_NEAR(generative::exact_log_partition(rbm), expected, 1e-12);
}

TEST(RbmLikelihood, AisAgreesWithEnumeration) {
  // Both enumeration branches: over h (20 x 8) and over v (10 x 30). The estimate's own 3σ
  // interval must hold the exact value and be narrow; the point estimate is within 0.1.
  for (auto [v, h] : {std::pair{20, 8}, std::pair{10, 30}}) {
    const Rbm rbm = random_rbm(v, h, 0.5, 11);
    const double exact = generative::exact_log_partition(rbm);
    Generator gen(5);
    const auto est = generative::ais_log_partition(rbm, {.runs = 100, .steps = 1000}, gen);
    EXPECT_NEAR(est.log_z, exact, 0.1) << v << " x " << h;
    EXPECT_LE(est.log_z_low, exact);
    EXPECT_GE(est.log_z_high, exact);
    EXPECT_LT(est.log_z_high - est.log_z_low, 0.2);
    // The average log-likelihood carries the same offset.
    if (v <= 12) {
      const Tensor data = slice(all_states(v), 0, 0, 50).copy();
      const auto ll = generative::average_log_likelihood(rbm, data, est);
      const Tensor lp = generative::log_prob(rbm, data, exact);
      double mean = 0;
      for (std::int64_t i = 0; i < lp.numel(); ++i) mean += lp.data<double>()[i] / double(lp.numel());
      EXPECT_NEAR(ll.mean, mean, 0.1);
      EXPECT_LE(ll.low, mean);
      EXPECT_GE(ll.high, mean);
    }
  }
}

TEST(RbmLikelihood, BaseRateBiasesAreSmoothedLogOdds) {
  const Tensor data = tensor({1, 0, 1, 1, 0, 0}, {2, 3}, DType::f64);
  const Tensor a = generative::base_rate_visible_bias(data);
  // Column sums 2, 0, 1 of 2 rows: p̄ = (2+1)/4, (0+1)/4, (1+1)/4.
  EXPECT_NEAR(a.data<double>()[0], std::log(3.0), 1e-12);
  EXPECT_NEAR(a.data<double>()[1], -std::log(3.0), 1e-12);
  EXPECT_NEAR(a.data<double>()[2], 0.0, 1e-12);
}

TEST(RbmLikelihood, RejectsBadArguments) {
  const Rbm big({.visible = 30, .hidden = 30, .dtype = DType::f64});
  EXPECT_THROW(generative::exact_log_partition(big), Error);
  const Rbm rbm = random_rbm(4, 3, 1.0, 1);
  Generator gen(0);
  EXPECT_THROW(generative::ais_log_partition(rbm, {.runs = 1}, gen), Error);
  EXPECT_THROW(generative::ais_log_partition(rbm, {.steps = 2}, gen), Error);
  EXPECT_THROW(generative::ais_log_partition(rbm, {.base_visible_bias = zeros({5}, DType::f64)}, gen), Error);
  EXPECT_THROW(generative::log_prob(rbm, full({1, 4}, -1.0, DType::f64), 0.0), Error);
  EXPECT_THROW(generative::base_rate_visible_bias(full({1, 4}, 2.0, DType::f64)), Error);
}

}  // namespace
}  // namespace soma
