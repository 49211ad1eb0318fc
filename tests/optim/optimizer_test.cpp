// The Optimizer base contract, for every optimizer: saving the state after 50 steps and loading
// it into a fresh optimizer over copies of the parameters continues bit-identically; loads
// that do not fit throw errors naming the entry and change nothing; parameters without a
// gradient are skipped; updates happen in place.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

#include "optim_support.h"
#include "soma/optim/adagrad.h"
#include "soma/optim/adam.h"
#include "soma/optim/adamw.h"
#include "soma/optim/rmsprop.h"
#include "soma/optim/schedule.h"
#include "soma/optim/sgd.h"

namespace soma::optim {
namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

struct Config {
  const char* name;
  Factory make;
};

std::vector<Config> configs() {
  return {
      {"SGD plain", [](auto p) { return std::make_unique<SGD>(p, SGDOptions{.lr = 0.05, .weight_decay = 0.01}); }},
      {"SGD nesterov",
       [](auto p) { return std::make_unique<SGD>(p, SGDOptions{.lr = 0.02, .momentum = 0.9, .nesterov = true}); }},
      {"SGD dampening",
       [](auto p) { return std::make_unique<SGD>(p, SGDOptions{.lr = 0.02, .momentum = 0.8, .dampening = 0.3}); }},
      {"AdaGrad", [](auto p) { return std::make_unique<AdaGrad>(p, AdaGradOptions{.lr = 0.1, .lr_decay = 0.01}); }},
      {"RMSprop centered momentum",
       [](auto p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions{.lr = 0.005, .momentum = 0.5, .centered = true});
       }},
      {"Adam amsgrad",
       [](auto p) { return std::make_unique<Adam>(p, AdamOptions{.lr = 0.05, .weight_decay = 0.1, .amsgrad = true}); }},
      {"AdamW", [](auto p) { return std::make_unique<AdamW>(p, AdamWOptions{.lr = 0.05, .weight_decay = 0.2}); }},
  };
}

void expect_bitwise_equal(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape());
    ASSERT_EQ(a[i].dtype(), b[i].dtype());
    EXPECT_EQ(std::memcmp(a[i].raw_data(), b[i].raw_data(), a[i].numel() * size_of(a[i].dtype())), 0)
        << "parameter " << i;
  }
}

std::size_t count_prefix(const std::map<std::string, Tensor>& state, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& [key, t] : state) n += key.compare(0, prefix.size(), prefix) == 0;
  return n;
}

// Runs `steps` steps; parameter 2 gets no gradient before step `late_start` (it has no state
// until then, which the state dict must carry too).
void run(const test::OptimProblem& problem, Optimizer& opt, int steps, int late_start = 0) {
  for (int s = 0; s < steps; ++s) {
    test::set_gradients(problem, opt.params());
    if (opt.steps() < late_start) {
      Tensor p = opt.params()[2];
      p.zero_grad();
    }
    opt.step();
  }
}

void check_round_trip(DType dtype, int late_start) {
  const auto problem = test::fixed_problem();
  for (const auto& config : configs()) {
    SCOPED_TRACE(std::string(config.name) + (dtype == DType::f32 ? " float32" : " float64"));
    auto params = test::make_params(problem, dtype);
    auto opt = config.make(params);
    run(problem, *opt, 50, late_start);
    const auto saved = opt->state_dict();
    EXPECT_EQ(saved.at("step").item(), 50);
    const bool keeps_state = count_prefix(saved, "state.0.") > 0;
    EXPECT_EQ(count_prefix(saved, "state.2.") > 0, keeps_state && late_start <= 50);

    auto copies = test::copy_params(opt->params());
    auto resumed = config.make(copies);
    resumed->load_state_dict(saved);
    EXPECT_EQ(resumed->steps(), 50);
    EXPECT_EQ(resumed->lr(), opt->lr());
    run(problem, *opt, 50, late_start);
    run(problem, *resumed, 50, late_start);
    expect_bitwise_equal(opt->params(), resumed->params());
    // The continued runs also end with equal state.
    const auto a = opt->state_dict(), b = resumed->state_dict();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [key, t] : a) {
      ASSERT_TRUE(b.count(key)) << key;
      expect_bitwise_equal({t}, {b.at(key)});
    }
  }
}

TEST(OptimStateDict, RoundTripContinuesBitIdentically) { check_round_trip(DType::f64, 0); }
TEST(OptimStateDict, RoundTripFloat32) { check_round_trip(DType::f32, 0); }
TEST(OptimStateDict, RoundTripWithParameterNotYetUpdated) { check_round_trip(DType::f64, 70); }

TEST(OptimStateDict, RoundTripWithSchedule) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  Adam opt(params, {.lr = 0.05});
  CosineAnnealingLR schedule(opt, {.t_max = 40, .eta_min = 0.001});
  auto epoch = [&](Optimizer& o, LRScheduler& s) {
    run(problem, o, 3);
    s.step();
  };
  for (int e = 0; e < 20; ++e) epoch(opt, schedule);
  const auto opt_state = opt.state_dict();
  const auto schedule_state = schedule.state_dict();

  auto copies = test::copy_params(params);
  Adam resumed(copies, {.lr = 0.05});
  CosineAnnealingLR resumed_schedule(resumed, {.t_max = 40, .eta_min = 0.001});
  resumed.load_state_dict(opt_state);
  resumed_schedule.load_state_dict(schedule_state);
  EXPECT_EQ(resumed_schedule.last_epoch(), 20);
  for (int e = 0; e < 20; ++e) {
    epoch(opt, schedule);
    epoch(resumed, resumed_schedule);
    EXPECT_EQ(opt.lr(), resumed.lr()) << "epoch " << e;
  }
  expect_bitwise_equal(params, copies);
}

TEST(OptimStateDict, NamesEntries) {
  auto params = test::make_params(test::fixed_problem());
  Adam opt(params, {.amsgrad = true});
  auto state = opt.state_dict();
  EXPECT_EQ(state.size(), 2u);  // no parameter updated yet
  EXPECT_EQ(state.at("step").dtype(), DType::i64);
  EXPECT_EQ(state.at("step").dim(), 0);
  EXPECT_EQ(state.at("lr").dtype(), DType::f64);
  EXPECT_EQ(state.at("lr").item(), 1e-3);
  test::set_gradients(test::fixed_problem(), params);
  opt.step();
  state = opt.state_dict();
  EXPECT_EQ(state.size(), 2u + 4 * params.size());
  for (const char* key : {"state.0.exp_avg", "state.1.exp_avg_sq", "state.2.max_exp_avg_sq", "state.0.step"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_EQ(state.at("state.1.exp_avg").shape(), params[1].shape());
  // A snapshot: later steps do not change it.
  const double before = state.at("state.0.exp_avg").data<double>()[0];
  test::set_gradients(test::fixed_problem(), params);
  opt.step();
  EXPECT_EQ(state.at("state.0.exp_avg").data<double>()[0], before);
}

// Expects load_state_dict to throw an error containing `needle`, and the optimizer unchanged.
void expect_load_error(Optimizer& opt, const std::map<std::string, Tensor>& state, const std::string& needle) {
  const auto before = opt.state_dict();
  try {
    opt.load_state_dict(state);
    ADD_FAILURE() << "no error; expected one mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  const auto after = opt.state_dict();
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [key, t] : before) expect_bitwise_equal({t}, {after.at(key)});
}

TEST(OptimStateDict, LoadErrorsNameTheEntry) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  Adam opt(params, {.lr = 0.01});
  run(problem, opt, 3);
  const auto good = opt.state_dict();

  auto fresh_params = test::make_params(problem);
  Adam fresh(fresh_params, {.lr = 0.02});
  auto state = good;
  state.erase("step");
  expect_load_error(fresh, state, "Adam load_state_dict: missing entry 'step'");
  state = good;
  state.erase("lr");
  expect_load_error(fresh, state, "missing entry 'lr'");
  state = good;
  state["lr"] = scalar(0.1, DType::f32);
  expect_load_error(fresh, state, "entry 'lr' must be a 0-dim float64 tensor");
  state = good;
  state.erase("state.1.exp_avg_sq");
  expect_load_error(fresh, state, "missing entry 'state.1.exp_avg_sq'");
  state = good;
  state["state.0.exp_avg"] = zeros({4, 3}, DType::f64);
  expect_load_error(fresh, state, "entry 'state.0.exp_avg' is [4, 3] float64 but parameter 0 is [3, 4] float64");
  state = good;
  state["state.0.exp_avg"] = zeros({3, 4}, DType::f32);
  expect_load_error(fresh, state, "entry 'state.0.exp_avg' is [3, 4] float32");
  state = good;
  state["state.0.max_exp_avg_sq"] = zeros({3, 4}, DType::f64);
  expect_load_error(fresh, state, "unexpected entry 'state.0.max_exp_avg_sq'");
  state = good;
  state["state.7.exp_avg"] = zeros({3, 4}, DType::f64);
  expect_load_error(fresh, state, "unexpected entry 'state.7.exp_avg' (the optimizer has 3 parameters)");
  state = good;
  state["momentum"] = scalar(0.9, DType::f64);
  expect_load_error(fresh, state, "unexpected entry 'momentum'");
  state = good;
  state["step"] = scalar(-1, DType::i64);
  expect_load_error(fresh, state, "entry 'step' must be >= 0");

  // Another optimizer's state does not fit.
  SGD sgd(test::make_params(problem), {.momentum = 0.9});
  expect_load_error(sgd, good, "SGD load_state_dict: unexpected entry 'state.0.exp_avg'");
  EXPECT_EQ(fresh.lr(), 0.02);
  EXPECT_EQ(fresh.steps(), 0);
}

TEST(OptimStateDict, LoadCopiesTheTensors) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  SGD opt(params, {.lr = 0.1, .momentum = 0.9});
  run(problem, opt, 2);
  auto state = opt.state_dict();
  auto copies = test::copy_params(params);
  SGD resumed(copies, {.lr = 0.1, .momentum = 0.9});
  resumed.load_state_dict(state);
  state.at("state.0.momentum_buffer").data<double>()[0] = 1e9;  // must not reach `resumed`
  run(problem, opt, 2);
  run(problem, resumed, 2);
  expect_bitwise_equal(params, copies);
}

// Updates are elementwise: a tensor large enough to be split across threads and vectorized
// ends bit-identical to the same values held in small tensors.
TEST(OptimOptimizer, LargeTensorMatchesSmallPieces) {
  constexpr std::int64_t kPieces = 7, kPiece = 10001;
  const auto values = test::fixed_values(kPieces * kPiece, 0.4, 1.0, 0.1);
  for (const auto& config : configs()) {
    SCOPED_TRACE(config.name);
    Tensor big = from_data(values, {kPieces * kPiece}, DType::f32).set_requires_grad();
    std::vector<Tensor> pieces;
    for (std::int64_t i = 0; i < kPieces; ++i)
      pieces.push_back(from_data(std::span(values).subspan(i * kPiece, kPiece), {kPiece}, DType::f32)
                           .set_requires_grad());
    auto opt_big = config.make({big});
    auto opt_pieces = config.make(pieces);
    for (int s = 0; s < 4; ++s) {
      Tensor g = big.copy();  // gradient = 2 p - 0.5, elementwise
      for (std::int64_t k = 0; k < g.numel(); ++k) g.data<float>()[k] = 2 * g.data<float>()[k] - 0.5f;
      big.set_grad(g);
      for (std::int64_t i = 0; i < kPieces; ++i) {
        Tensor gp = pieces[i].copy();
        for (std::int64_t k = 0; k < kPiece; ++k) gp.data<float>()[k] = 2 * gp.data<float>()[k] - 0.5f;
        pieces[i].set_grad(gp);
      }
      opt_big->step();
      opt_pieces->step();
    }
    for (std::int64_t i = 0; i < kPieces; ++i)
      ASSERT_EQ(std::memcmp(big.data<float>() + i * kPiece, pieces[i].data<float>(), kPiece * sizeof(float)), 0)
          << "piece " << i;
  }
}

TEST(OptimOptimizer, SkipsParametersWithoutGradient) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  Adam opt(params, {.lr = 0.1});
  const Tensor before = params[1].copy();
  test::set_gradients(problem, params);
  params[1].zero_grad();
  opt.step();
  expect_bitwise_equal({params[1]}, {before});
  EXPECT_EQ(opt.state_dict().count("state.1.exp_avg"), 0u);
  EXPECT_EQ(opt.state_dict().count("state.0.exp_avg"), 1u);
  EXPECT_EQ(opt.steps(), 1);
}

TEST(OptimOptimizer, UpdatesInPlace) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  std::vector<const void*> data;
  for (const auto& p : params) data.push_back(p.raw_data());
  RMSprop opt(params, {.momentum = 0.9, .centered = true});
  run(problem, opt, 3);
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(opt.params()[i].raw_data(), data[i]);
    EXPECT_TRUE(params[i].requires_grad());
    EXPECT_TRUE(params[i].is_leaf());
  }
}

TEST(OptimOptimizer, ZeroGradForgetsGradients) {
  const auto problem = test::fixed_problem();
  auto params = test::make_params(problem);
  SGD opt(params);
  test::set_gradients(problem, params);
  opt.zero_grad();
  for (const auto& p : params) EXPECT_FALSE(p.grad().defined());
}

TEST(OptimOptimizer, RejectsBadParameters) {
  Tensor w = zeros({2}, DType::f64).set_requires_grad();
  try {
    SGD opt({w, zeros({3}, DType::f64).set_requires_grad(), w});
    ADD_FAILURE() << "no error for a repeated parameter";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SGD: parameters 0 and 2 are the same tensor"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Adam({zeros({2})}), Error);  // does not require grad
}

TEST(OptimOptimizer, RejectsGradientOfOtherDtype) {
  Tensor w = zeros({2}, DType::f64).set_requires_grad();
  Tensor v = zeros({2}, DType::f64).set_requires_grad();
  Adam opt({v, w});
  v.set_grad(ones({2}, DType::f64));
  EXPECT_THROW(w.set_grad(ones({2}, DType::f32)), Error);  // refused where it is set
  opt.step();
  EXPECT_EQ(opt.steps(), 1);
  EXPECT_EQ(w.at({0}), 0);  // no gradient, no update
}

TEST(OptimOptimizer, SetLrChecksValue) {
  SGD opt({zeros({1}, DType::f64).set_requires_grad()});
  opt.set_lr(0.5);
  EXPECT_EQ(opt.lr(), 0.5);
  EXPECT_THROW(opt.set_lr(-1), Error);
  EXPECT_THROW(opt.set_lr(std::nan("")), Error);
  EXPECT_EQ(opt.lr(), 0.5);
}

// A parameter without a gradient sits the step out, and its own count (PyTorch's
// state["step"]) with it; the counts survive a state dict, and a state saved before they
// existed loads with every updated parameter at the optimizer's count.
TEST(OptimStateDict, EachParameterCountsItsOwnSteps) {
  auto params = test::make_params(test::fixed_problem());
  Adam opt(params, {});
  for (int step = 1; step <= 5; ++step) {
    test::set_gradients(test::fixed_problem(), params);
    if (step % 2 == 1) params[1].zero_grad();
    opt.step();
  }
  EXPECT_EQ(opt.steps(), 5);
  EXPECT_EQ(opt.param_steps(0), 5);
  EXPECT_EQ(opt.param_steps(1), 2);
  auto state = opt.state_dict();
  EXPECT_EQ(state.at("state.1.step").item(), 2);

  auto copies = test::make_params(test::fixed_problem());
  Adam resumed(copies, {});
  resumed.load_state_dict(state);
  EXPECT_EQ(resumed.param_steps(1), 2);

  state.erase("state.0.step");
  state.erase("state.1.step");
  resumed.load_state_dict(state);
  EXPECT_EQ(resumed.param_steps(1), 5);

  state["state.1.step"] = scalar(6, DType::i64);
  test::expect_error([&] { resumed.load_state_dict(state); },
                     "Adam load_state_dict: entry 'state.1.step' must be in [0, step = 5], got 6");
}

}  // namespace
}  // namespace soma::optim
