// Rbm: one CD-k / persistent-CD step against tests/reference/make_rbm_reference.py (the
// equations, the same uniform draws), conditionals and free energy against brute force over
// every state of a tiny RBM, missing values, learning, determinism and argument errors.
#include "soma/generative/rbm.h"
#include "soma/generative/rbm_learner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "data/data_test_util.h"
#include "ops/op_test_util.h"
#include "reference/reference_support.h"
#include "soma/core/factory.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/train/loop.h"
#include "soma/train/run_folder.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using generative::fit_rbm;
using generative::Rbm;
using generative::RbmOptions;
namespace ref = test::reference;

// Overwrites a parameter's values in place (the RBM keeps its own tensors).
void assign(const Tensor& param, const Tensor& values) {
  ASSERT_EQ(param.shape(), values.shape());
  const Tensor v = values.to(param.dtype());
  std::memcpy(param.raw_data(), v.raw_data(), std::size_t(v.numel()) * size_of(v.dtype()));
}

TEST(RbmReference, StepsMatchTheEquationsWithTheSameDraws) {
  const ref::Json file = ref::load("rbm.json");
  ASSERT_GE(file.at("cases").size(), 4u);
  for (const auto& c : file.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto& o = c.at("options");
    Rbm rbm({.visible = c.at("visible"), .hidden = c.at("hidden"), .lr = o.at("lr"), .momentum = o.at("momentum"),
             .weight_decay = o.at("weight_decay"), .k = o.at("k"), .persistent = o.at("persistent"),
             .dtype = DType::f64});
    assign(rbm.weight(), ref::decode(c.at("W")));
    assign(rbm.visible_bias(), ref::decode(c.at("a")));
    assign(rbm.hidden_bias(), ref::decode(c.at("b")));
    Generator gen(c.at("seed").get<std::uint64_t>());
    const auto& expected = c.at("expected");
    for (std::size_t i = 0; i < c.at("batches").size(); ++i) {
      const double error = rbm.step(ref::decode(c.at("batches")[i]), gen).reconstruction_error;
      EXPECT_NEAR(error, expected.at("errors")[i].get<double>(), 1e-12) << "batch " << i;
    }
    EXPECT_TRUE(ref::matches(rbm.weight(), expected.at("W"), 1e-10, "W"));
    EXPECT_TRUE(ref::matches(rbm.visible_bias(), expected.at("a"), 1e-10, "a"));
    EXPECT_TRUE(ref::matches(rbm.hidden_bias(), expected.at("b"), 1e-10, "b"));
  }
}

// A 3 x 2 RBM with weights large enough that the distribution is far from uniform.
Rbm tiny_rbm() {
  Rbm rbm({.visible = 3, .hidden = 2, .dtype = DType::f64});
  assign(rbm.weight(), tensor({{1.5, -2.0}, {0.7, 1.1}, {-1.3, 0.4}}, DType::f64));
  assign(rbm.visible_bias(), tensor({0.2, -0.9, 0.5}, DType::f64));
  assign(rbm.hidden_bias(), tensor({-0.3, 0.8}, DType::f64));
  return rbm;
}

// Every binary vector of length n, one per row, [2^n, n].
Tensor all_states(int n) {
  std::vector<double> v;
  for (int s = 0; s < (1 << n); ++s)
    for (int i = 0; i < n; ++i) v.push_back((s >> i) & 1);
  return from_data(v, {std::int64_t(1) << n, n}, DType::f64);
}

// E(v, h) = -a·v - b·h - vᵀWh, straight from the definition.
double energy(const Rbm& rbm, const Tensor& v, std::int64_t vr, const Tensor& h, std::int64_t hr) {
  double e = 0;
  for (int i = 0; i < 3; ++i) e -= rbm.visible_bias().at({i}) * v.at({vr, i});
  for (int j = 0; j < 2; ++j) e -= rbm.hidden_bias().at({j}) * h.at({hr, j});
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) e -= v.at({vr, i}) * h.at({hr, j}) * rbm.weight().at({i, j});
  return e;
}

TEST(Rbm, FreeEnergyMatchesBruteForceOverHiddenStates) {
  const Rbm rbm = tiny_rbm();
  const Tensor vs = all_states(3), hs = all_states(2);
  const Tensor f = rbm.free_energy(vs);
  ASSERT_EQ(f.shape(), Shape({8}));
  for (std::int64_t r = 0; r < 8; ++r) {
    double z = 0;
    for (std::int64_t q = 0; q < 4; ++q) z += std::exp(-energy(rbm, vs, r, hs, q));
    EXPECT_NEAR(f.at({r}), -std::log(z), 1e-12) << "v = state " << r;
  }
}

TEST(Rbm, ProbabilitiesFromFreeEnergySumToOne) {
  const Rbm rbm = tiny_rbm();
  const Tensor vs = all_states(3), hs = all_states(2);
  double z = 0;  // the partition function over the joint states
  for (std::int64_t r = 0; r < 8; ++r)
    for (std::int64_t q = 0; q < 4; ++q) z += std::exp(-energy(rbm, vs, r, hs, q));
  const Tensor f = rbm.free_energy(vs);
  double total = 0, smallest = 1, largest = 0;
  for (std::int64_t r = 0; r < 8; ++r) {
    const double p = std::exp(-f.at({r})) / z;
    total += p;
    smallest = std::min(smallest, p);
    largest = std::max(largest, p);
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_GT(largest, 1.5 * smallest);  // the tiny RBM is far from uniform, so this checks something
}

TEST(Rbm, ConditionalsMatchBruteForce) {
  const Rbm rbm = tiny_rbm();
  const Tensor vs = all_states(3), hs = all_states(2);
  const Tensor ph = rbm.hidden_probs(vs), pv = rbm.visible_probs(hs);
  for (std::int64_t r = 0; r < 8; ++r) {
    double z = 0, on[2] = {0, 0};
    for (std::int64_t q = 0; q < 4; ++q) {
      const double w = std::exp(-energy(rbm, vs, r, hs, q));
      z += w;
      for (int j = 0; j < 2; ++j) on[j] += w * hs.at({q, j});
    }
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(ph.at({r, j}), on[j] / z, 1e-12);
  }
  for (std::int64_t q = 0; q < 4; ++q) {
    double z = 0, on[3] = {0, 0, 0};
    for (std::int64_t r = 0; r < 8; ++r) {
      const double w = std::exp(-energy(rbm, vs, r, hs, q));
      z += w;
      for (int i = 0; i < 3; ++i) on[i] += w * vs.at({r, i});
    }
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(pv.at({q, i}), on[i] / z, 1e-12);
  }
}

TEST(Rbm, ForwardIsHiddenProbsAndDifferentiable) {
  Generator init(1);
  Rbm rbm({.visible = 4, .hidden = 3, .dtype = DType::f64}, init);
  assign(rbm.weight(), normal({4, 3}, 0, 0.5, init, DType::f64));
  const Tensor v = uniform({5, 4}, 0.1, 0.9, init, DType::f64);
  EXPECT_TRUE(test::values_near(rbm(v), {5, 3}, DType::f64, test::values(rbm.hidden_probs(v)), 1e-12));
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return rbm(in[0]); }, {v}));
}

TEST(Rbm, Float32AgreesWithFloat64) {
  // float32 runs its sigmoid through a polynomial e^x; it must agree with float64's std::exp.
  Generator init(5);
  Rbm r64({.visible = 6, .hidden = 40, .dtype = DType::f64}), r32({.visible = 6, .hidden = 40});
  const Tensor w = normal({6, 40}, 0, 8, init, DType::f64);  // pre-activations up to about +-60
  assign(r64.weight(), w);
  assign(r32.weight(), w);
  const Tensor v = bernoulli({50, 6}, 0.5, init, DType::f64);
  const std::vector<double> p64 = test::values(r64.hidden_probs(v)), p32 = test::values(r32.hidden_probs(v.to(DType::f32)));
  for (std::size_t i = 0; i < p64.size(); ++i) EXPECT_NEAR(p32[i], p64[i], 5e-6 * std::max(p64[i], 1e-3)) << i;  // float32 rounding of b + vW included
  // The same draws give the same samples in both dtypes (24-bit uniforms are exact in both).
  Generator g64(3), g32(3);
  EXPECT_EQ(test::values(r64.gibbs(v, 2, g64)), test::values(r32.gibbs(v.to(DType::f32), 2, g32)));
}

// Rows built from 4 prototypes of 16 pixels, each pixel flipped with probability 0.05.
Tensor prototype_data(std::int64_t rows, Generator& gen) {
  std::vector<double> v;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t proto = r % 4;
    for (int i = 0; i < 16; ++i) {
      const double pixel = (i / 4 == proto || i % 4 == proto) ? 1 : 0;
      v.push_back(gen.uniform() < 0.05 ? 1 - pixel : pixel);
    }
  }
  return from_data(v, {rows, 16});
}

TEST(Rbm, ReconstructionErrorFallsWithTraining) {
  Generator gen(4);
  const Tensor data = prototype_data(256, gen);
  Rbm rbm({.visible = 16, .hidden = 8, .lr = 0.1, .momentum = 0.5}, gen);
  const double before = rbm.reconstruction_error(data);
  const std::vector<double> errors = fit_rbm(rbm, data, {.epochs = 30, .batch_size = 16}, gen);
  ASSERT_EQ(errors.size(), 30u);
  EXPECT_LT(errors.back(), 0.5 * errors.front());
  EXPECT_LT(rbm.reconstruction_error(data), 0.5 * before);
  // The model prefers the data: lower free energy on a prototype than on its complement.
  const Tensor proto = slice(data, 0, 0, 1);
  Tensor flipped = proto.copy();
  for (int i = 0; i < 16; ++i) flipped.set({0, i}, 1 - proto.at({0, i}));
  EXPECT_LT(rbm.free_energy(proto).item(), rbm.free_energy(flipped).item());
}

TEST(Rbm, PersistentCdLearnsToo) {
  Generator gen(8);
  const Tensor data = prototype_data(256, gen);
  Rbm rbm({.visible = 16, .hidden = 8, .lr = 0.1, .k = 1, .persistent = true}, gen);
  const double before = rbm.reconstruction_error(data);
  const std::vector<double> errors = fit_rbm(rbm, data, {.epochs = 30, .batch_size = 16}, gen);
  EXPECT_LT(errors.back(), 0.7 * errors.front());
  EXPECT_LT(rbm.reconstruction_error(data), 0.5 * before);
}

TEST(Rbm, MissingValuesStayOutOfTheUpdate) {
  Generator gen(2);
  Rbm rbm({.visible = 6, .hidden = 4, .lr = 0.5, .momentum = 0.3, .k = 2}, gen);
  const Tensor w0 = rbm.weight().copy(), a0 = rbm.visible_bias().copy();
  // Column 2 missing in every row: its weights and bias must not move.
  Tensor v = bernoulli({8, 6}, 0.5, gen);
  for (int r = 0; r < 8; ++r) v.set({r, 2}, -1);
  for (int s = 0; s < 3; ++s) rbm.step(v, gen);
  for (int j = 0; j < 4; ++j) EXPECT_EQ(rbm.weight().at({2, j}), w0.at({2, j}));
  EXPECT_EQ(rbm.visible_bias().at({2}), a0.at({2}));
  EXPECT_NE(rbm.visible_bias().at({1}), a0.at({1}));
  // A missing entry contributes like 0 to p(h|v) and stays -1 through Gibbs sampling.
  Tensor zeroed = v.copy();
  for (int r = 0; r < 8; ++r) zeroed.set({r, 2}, 0);
  EXPECT_EQ(test::values(rbm.hidden_probs(v)), test::values(rbm.hidden_probs(zeroed)));
  const Tensor chain = rbm.gibbs(v, 3, gen);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(chain.at({r, 2}), -1);
  // Missing entries do not count in the reconstruction error.
  const Tensor recon = rbm.reconstruct(zeroed);
  double sum = 0;
  for (int r = 0; r < 8; ++r)
    for (int i = 0; i < 6; ++i)
      if (i != 2) sum += std::pow(v.at({r, i}) - recon.at({r, i}), 2);
  EXPECT_NEAR(rbm.reconstruction_error(v), sum / 40, 1e-6);
}

TEST(Rbm, SameSeedsGiveTheSameModel) {
  auto train = [](std::uint64_t init_seed, std::uint64_t sample_seed) {
    Generator init(init_seed), gen(sample_seed);
    Generator data_gen(9);
    const Tensor data = prototype_data(64, data_gen);
    Rbm rbm({.visible = 16, .hidden = 8, .lr = 0.1, .momentum = 0.5, .k = 2}, init);
    fit_rbm(rbm, data, {.epochs = 2, .batch_size = 16}, gen);
    return test::values(rbm.weight());
  };
  EXPECT_EQ(train(1, 2), train(1, 2));
  EXPECT_NE(train(1, 2), train(1, 3));
  EXPECT_NE(train(1, 2), train(4, 2));
}

TEST(Rbm, FitRbmIsAnRbmLearnerUnderTheLoop) {
  // fit_rbm = one draw from gen to seed the loop's order, then RbmLearner's steps drawing from
  // gen's stream; the same loop written out gives the same model, and the run folder its errors.
  Generator data_gen(9);
  const Tensor data = prototype_data(64, data_gen);
  const RbmOptions options{.visible = 16, .hidden = 8, .lr = 0.1, .momentum = 0.5, .k = 2};
  Generator init_a(1), init_b(1), gen_a(2), gen_b(2);
  Rbm a(options, init_a), b(options, init_b);
  data_test::TempDir dir;
  std::vector<int> epochs_seen;
  const std::vector<double> errors =
      fit_rbm(a, data, {.epochs = 3, .batch_size = 16, .sinks = {std::make_shared<train::RunFolderSink>(dir.str())}},
              gen_a, [&](int epoch, double) { epochs_seen.push_back(epoch); });
  EXPECT_EQ(epochs_seen, (std::vector<int>{1, 2, 3}));

  const std::uint64_t order_seed = gen_b.next_u64();
  generative::RbmLearner learner(b);
  learner.generator() = gen_b;
  train::Loop loop(learner);
  const train::History history = loop.fit(std::make_shared<data::TensorDataset>(data),
                                          {.epochs = 3, .batch_size = 16, .seed = order_seed, .verbose = 0});
  EXPECT_EQ(test::values(a.weight()), test::values(b.weight()));
  EXPECT_EQ(errors, history["reconstruction_error"]);
  EXPECT_EQ(gen_a.next_u64(), learner.generator().next_u64());  // gen is left where the samples stopped

  const auto metrics = train::RunFolderSink::read_table(dir.file("metrics.csv"));
  const auto column = std::find(metrics.columns.begin(), metrics.columns.end(), "reconstruction_error");
  ASSERT_NE(column, metrics.columns.end());
  ASSERT_EQ(metrics.rows.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e)
    EXPECT_DOUBLE_EQ(metrics.rows[e][std::size_t(column - metrics.columns.begin())], errors[e]);
  EXPECT_TRUE(fit_rbm(a, data, {.epochs = 0}, gen_a).empty());
}

TEST(Rbm, ArgumentErrors) {
  using test::throws_error_with;
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 0, .hidden = 3}); }, {"Rbm", "visible = 0"}));
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 3, .hidden = 3, .k = 0}); }, {"Rbm", "k", "got 0"}));
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 3, .hidden = 3, .lr = 0}); }, {"lr must be positive"}));
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 3, .hidden = 3, .momentum = 1}); }, {"momentum", "[0, 1)"}));
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 3, .hidden = 3, .weight_decay = -1}); }, {"weight_decay"}));
  EXPECT_TRUE(throws_error_with([] { Rbm({.visible = 3, .hidden = 3, .dtype = DType::i64}); }, {"float32", "int64"}));

  Generator gen(0);
  Rbm rbm({.visible = 3, .hidden = 2});
  EXPECT_TRUE(throws_error_with([&] { rbm.step(zeros({2, 4}), gen); }, {"Rbm(3 x 2)", "step", "[N, 3]", "[2, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { rbm.step(zeros({2, 3}, DType::f64), gen); }, {"float32", "float64"}));
  EXPECT_TRUE(throws_error_with([&] { rbm.step(tensor({{0, 2.5, 1}}), gen); },
                                {"[0, 1] or -1 (missing)", "2.5", "[0, 1]"}));
  EXPECT_TRUE(throws_error_with([&] { rbm.free_energy(tensor({{0, 0.5, -0.5}})); }, {"free_energy", "-0.5"}));
  EXPECT_TRUE(throws_error_with([&] { rbm.visible_probs(zeros({2, 3})); }, {"visible_probs", "[N, 2]"}));
  EXPECT_TRUE(throws_error_with([&] { rbm.gibbs(zeros({1, 3}), -1, gen); }, {"gibbs", "k must be >= 0"}));

  Rbm pcd({.visible = 3, .hidden = 2, .persistent = true});
  EXPECT_TRUE(throws_error_with([&] { pcd.step(tensor({{0, -1, 1}}), gen); }, {"[0, 1]", "-1"}));
  pcd.step(zeros({2, 3}), gen);
  EXPECT_TRUE(throws_error_with([&] { pcd.step(zeros({3, 3}), gen); }, {"chain holds 2", "3 rows"}));
  EXPECT_TRUE(throws_error_with([&] { fit_rbm(rbm, zeros({4, 3}), {.batch_size = 0}, gen); }, {"batch_size"}));
  EXPECT_TRUE(throws_error_with([&] { fit_rbm(rbm, zeros({4, 5}), {}, gen); }, {"fit_rbm", "[N, 3]", "[4, 5]"}));
}

}  // namespace
}  // namespace soma
