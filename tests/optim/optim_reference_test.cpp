// Optimizer trajectories, LR schedules and gradient clipping against PyTorch 1.13 reference
// values (tests/reference/data/optim_*.json, written by tests/reference/make_optim_reference.py).
// Every configuration runs over 100 steps of a fixed float64 problem, once with every
// parameter stepped each time and once with one sitting out every other step; the parameters must agree
// at every tenth step to 1e-12 relative (with GCC on x86-64 they agree bit for bit). They catch what a unit test cannot: where Adam's eps
// goes, when the momentum buffer starts, how AdaGrad's lr decays.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <iomanip>
#include <limits>
#include <memory>

#include "optim_support.h"
#include "soma/optim/adagrad.h"
#include "soma/optim/adam.h"
#include "soma/optim/adamw.h"
#include "soma/optim/clip_grad.h"
#include "soma/optim/plateau.h"
#include "soma/optim/rmsprop.h"
#include "soma/optim/schedule.h"
#include "soma/optim/sgd.h"

namespace soma::optim {
namespace {

using nlohmann::json;
constexpr double kRelTol = 1e-12;

// |actual - expected| within kRelTol of |expected| (of 1e-3 for values near zero).
::testing::AssertionResult close(double actual, double expected) {
  const double tol = kRelTol * std::max(std::abs(expected), 1e-3);
  if (std::abs(actual - expected) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << std::setprecision(17) << actual << " vs reference " << expected
                                       << " (difference " << actual - expected << ")";
}

std::array<double, 2> betas_of(const json& o, std::array<double, 2> fallback) {
  if (!o.contains("betas")) return fallback;
  return {o["betas"][0].get<double>(), o["betas"][1].get<double>()};
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& kind, const json& o, std::vector<Tensor> params) {
  if (kind == "SGD") {
    SGDOptions d;
    return std::make_unique<SGD>(std::move(params), SGDOptions{.lr = o.value("lr", d.lr),
                                                               .momentum = o.value("momentum", d.momentum),
                                                               .dampening = o.value("dampening", d.dampening),
                                                               .weight_decay = o.value("weight_decay", d.weight_decay),
                                                               .nesterov = o.value("nesterov", d.nesterov)});
  }
  if (kind == "AdaGrad") {
    AdaGradOptions d;
    return std::make_unique<AdaGrad>(
        std::move(params),
        AdaGradOptions{.lr = o.value("lr", d.lr),
                       .lr_decay = o.value("lr_decay", d.lr_decay),
                       .weight_decay = o.value("weight_decay", d.weight_decay),
                       .initial_accumulator_value = o.value("initial_accumulator_value", d.initial_accumulator_value),
                       .eps = o.value("eps", d.eps)});
  }
  if (kind == "RMSprop") {
    RMSpropOptions d;
    return std::make_unique<RMSprop>(std::move(params),
                                     RMSpropOptions{.lr = o.value("lr", d.lr),
                                                    .alpha = o.value("alpha", d.alpha),
                                                    .eps = o.value("eps", d.eps),
                                                    .weight_decay = o.value("weight_decay", d.weight_decay),
                                                    .momentum = o.value("momentum", d.momentum),
                                                    .centered = o.value("centered", d.centered)});
  }
  if (kind == "Adam") {
    AdamOptions d;
    return std::make_unique<Adam>(std::move(params), AdamOptions{.lr = o.value("lr", d.lr),
                                                                 .betas = betas_of(o, d.betas),
                                                                 .eps = o.value("eps", d.eps),
                                                                 .weight_decay = o.value("weight_decay", d.weight_decay),
                                                                 .amsgrad = o.value("amsgrad", d.amsgrad)});
  }
  if (kind == "AdamW") {
    AdamWOptions d;
    return std::make_unique<AdamW>(std::move(params),
                                   AdamWOptions{.lr = o.value("lr", d.lr),
                                                .betas = betas_of(o, d.betas),
                                                .eps = o.value("eps", d.eps),
                                                .weight_decay = o.value("weight_decay", d.weight_decay),
                                                .amsgrad = o.value("amsgrad", d.amsgrad)});
  }
  ADD_FAILURE() << "unknown optimizer " << kind;
  return nullptr;
}

void check_trajectories(const std::string& file) {
  const json ref = test::load_reference(file);
  if (ref.empty()) return;
  const auto problem = test::problem_from_json(ref.at("problem"));
  const int steps = ref.at("steps").get<int>();
  ASSERT_GE(steps, 100);
  ASSERT_FALSE(ref.at("cases").empty());
  for (const auto& c : ref.at("cases")) {
    SCOPED_TRACE(ref.at("optimizer").get<std::string>() + " " + c.at("name").get<std::string>());
    auto params = test::make_params(problem);
    auto opt = make_optimizer(ref.at("optimizer").get<std::string>(), c.at("options"), params);
    ASSERT_TRUE(opt);
    const auto& checkpoints = c.at("checkpoints");
    std::size_t next = 0;
    // A parameter that gets no gradient on odd steps: it sits them out, its step count with it.
    const int sits_out = c.value("sits_out", -1);
    for (int step = 1; step <= steps; ++step) {
      test::set_gradients(problem, params);
      if (sits_out >= 0 && step % 2 == 1) params.at(sits_out).zero_grad();
      opt->step();
      if (next < checkpoints.size() && checkpoints[next].at("step").get<int>() == step) {
        const auto expected = checkpoints[next].at("params").get<std::vector<std::vector<double>>>();
        ASSERT_EQ(expected.size(), params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
          ASSERT_EQ(std::int64_t(expected[i].size()), params[i].numel());
          const double* p = params[i].data<double>();
          for (std::size_t k = 0; k < expected[i].size(); ++k)
            ASSERT_TRUE(close(p[k], expected[i][k])) << "step " << step << ", parameter " << i << ", element " << k;
        }
        ++next;
      }
    }
    EXPECT_EQ(next, checkpoints.size()) << "checkpoints not reached";
  }
}

TEST(OptimReference, SGD) { check_trajectories("optim_sgd.json"); }
TEST(OptimReference, AdaGrad) { check_trajectories("optim_adagrad.json"); }
TEST(OptimReference, RMSprop) { check_trajectories("optim_rmsprop.json"); }
TEST(OptimReference, Adam) { check_trajectories("optim_adam.json"); }
TEST(OptimReference, AdamW) { check_trajectories("optim_adamw.json"); }

std::unique_ptr<LRScheduler> make_schedule(const std::string& type, const json& o, Optimizer& opt) {
  if (type == "StepLR")
    return std::make_unique<StepLR>(opt, StepLROptions{.step_size = o.at("step_size").get<std::int64_t>(),
                                                       .gamma = o.value("gamma", StepLROptions{}.gamma)});
  if (type == "MultiStepLR")
    return std::make_unique<MultiStepLR>(
        opt, MultiStepLROptions{.milestones = o.at("milestones").get<std::vector<std::int64_t>>(),
                                .gamma = o.value("gamma", MultiStepLROptions{}.gamma)});
  if (type == "ExponentialLR")
    return std::make_unique<ExponentialLR>(opt, ExponentialLROptions{.gamma = o.at("gamma").get<double>()});
  if (type == "CosineAnnealingLR")
    return std::make_unique<CosineAnnealingLR>(
        opt, CosineAnnealingLROptions{.t_max = o.at("T_max").get<std::int64_t>(), .eta_min = o.value("eta_min", 0.0)});
  if (type == "LinearWarmup") {
    LinearWarmupOptions d;
    return std::make_unique<LinearWarmup>(opt,
                                          LinearWarmupOptions{.start_factor = o.value("start_factor", d.start_factor),
                                                              .end_factor = o.value("end_factor", d.end_factor),
                                                              .total_iters = o.value("total_iters", d.total_iters)});
  }
  ADD_FAILURE() << "unknown schedule " << type;
  return nullptr;
}

ReduceLROnPlateauOptions plateau_options(const json& o) {
  ReduceLROnPlateauOptions d;
  return {.mode = o.value("mode", std::string("min")) == "max" ? PlateauMode::max : PlateauMode::min,
          .factor = o.value("factor", d.factor),
          .patience = o.value("patience", d.patience),
          .threshold = o.value("threshold", d.threshold),
          .threshold_mode = o.value("threshold_mode", std::string("rel")) == "abs" ? ThresholdMode::abs
                                                                                   : ThresholdMode::rel,
          .cooldown = o.value("cooldown", d.cooldown),
          .min_lr = o.value("min_lr", d.min_lr),
          .eps = o.value("eps", d.eps)};
}

TEST(OptimReference, Schedules) {
  const json ref = test::load_reference("optim_schedules.json");
  if (ref.empty()) return;
  const double base_lr = ref.at("base_lr").get<double>();
  const int epochs = ref.at("epochs").get<int>();
  ASSERT_FALSE(ref.at("cases").empty());
  for (const auto& c : ref.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto expected = c.at("lrs").get<std::vector<double>>();
    ASSERT_EQ(int(expected.size()), epochs + 1);
    SGD opt({zeros({1}, DType::f64).set_requires_grad()}, {.lr = base_lr});
    std::vector<double> lrs;
    const std::string type = c.at("type").get<std::string>();
    if (type == "ReduceLROnPlateau") {
      ReduceLROnPlateau plateau(opt, plateau_options(c.at("options")));
      lrs.push_back(opt.lr());
      for (double metric : c.at("metrics").get<std::vector<double>>()) {
        plateau.step(metric);
        lrs.push_back(opt.lr());
      }
    } else if (type == "OneCycleLR") {
      continue;  // OneCycle below
    } else {
      auto schedule = make_schedule(type, c.at("options"), opt);
      ASSERT_TRUE(schedule);
      lrs.push_back(opt.lr());
      for (int e = 0; e < epochs; ++e) {
        schedule->step();
        lrs.push_back(opt.lr());
        EXPECT_EQ(schedule->last_lr(), opt.lr());
      }
      EXPECT_EQ(schedule->last_epoch(), epochs);
    }
    ASSERT_EQ(lrs.size(), expected.size());
    for (std::size_t e = 0; e < lrs.size(); ++e) EXPECT_TRUE(close(lrs[e], expected[e])) << "epoch " << e;
  }
}

// OneCycleLR's lr and momentum after construction and after each batch step. The step after
// the last keeps the last lr (schedule.h); PyTorch's value there is not compared.
TEST(OptimReference, OneCycle) {
  const json ref = test::load_reference("optim_schedules.json");
  if (ref.empty()) return;
  int seen = 0;
  for (const auto& c : ref.at("cases")) {
    if (c.at("type") != "OneCycleLR") continue;
    ++seen;
    SCOPED_TRACE(c.at("name").get<std::string>());
    const json& o = c.at("options");
    OneCycleLROptions d;
    const OneCycleLROptions options{
        .max_lr = o.at("max_lr").get<double>(),
        .total_steps = c.at("total_steps").get<std::int64_t>(),
        .pct_start = o.value("pct_start", d.pct_start),
        .anneal_strategy = o.value("anneal_strategy", std::string("cos")) == "linear" ? Anneal::linear : Anneal::cos,
        .cycle_momentum = o.value("cycle_momentum", d.cycle_momentum),
        .base_momentum = o.value("base_momentum", d.base_momentum),
        .max_momentum = o.value("max_momentum", d.max_momentum),
        .div_factor = o.value("div_factor", d.div_factor),
        .final_div_factor = o.value("final_div_factor", d.final_div_factor),
        .three_phase = o.value("three_phase", d.three_phase)};
    const std::vector<Tensor> params{zeros({1}, DType::f64).set_requires_grad()};
    std::unique_ptr<Optimizer> opt;
    if (c.at("optimizer") == "SGD") opt = std::make_unique<SGD>(params, SGDOptions{.lr = 0.1, .momentum = 0.9});
    else opt = std::make_unique<Adam>(params, AdamOptions{});
    OneCycleLR cycle(*opt, options);
    const auto lrs = c.at("lrs").get<std::vector<double>>(), momenta = c.at("momenta").get<std::vector<double>>();
    ASSERT_EQ(std::int64_t(lrs.size()), options.total_steps + 1);
    EXPECT_TRUE(close(cycle.base_lr(), options.max_lr / options.div_factor));
    for (std::int64_t s = 0; s < options.total_steps; ++s) {
      if (s > 0) cycle.step();
      EXPECT_TRUE(close(opt->lr(), lrs[std::size_t(s)])) << "step " << s;
      EXPECT_TRUE(close(*opt->momentum(), momenta[std::size_t(s)])) << "step " << s;
    }
    const double last = opt->lr();
    cycle.step();
    EXPECT_EQ(opt->lr(), last);
    EXPECT_THROW(cycle.step(), Error);  // past total_steps, as PyTorch
    EXPECT_EQ(cycle.last_epoch(), options.total_steps);
  }
  EXPECT_EQ(seen, 4);
}

TEST(OptimReference, ClipGrad) {
  const json ref = test::load_reference("optim_clip.json");
  if (ref.empty()) return;
  const auto shapes = ref.at("shapes").get<std::vector<std::vector<std::int64_t>>>();
  const auto grads = ref.at("grads").get<std::vector<std::vector<double>>>();
  ASSERT_FALSE(ref.at("cases").empty());
  for (const auto& c : ref.at("cases")) {
    SCOPED_TRACE(c.dump());
    std::vector<Tensor> params;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      params.push_back(zeros(Shape(shapes[i]), DType::f64).set_requires_grad());
      params.back().set_grad(from_data(grads[i], Shape(shapes[i]), DType::f64));
    }
    if (c.at("kind") == "norm") {
      const double norm_type = c.at("norm_type").is_string() ? std::numeric_limits<double>::infinity()
                                                             : c.at("norm_type").get<double>();
      const double total = clip_grad_norm(params, c.at("max_norm").get<double>(), norm_type);
      EXPECT_TRUE(close(total, c.at("total_norm").get<double>()));
    } else {
      clip_grad_value(params, c.at("clip_value").get<double>());
    }
    const auto expected = c.at("grads").get<std::vector<std::vector<double>>>();
    for (std::size_t i = 0; i < params.size(); ++i)
      for (std::size_t k = 0; k < expected[i].size(); ++k)
        EXPECT_TRUE(close(params[i].grad().data<double>()[k], expected[i][k])) << "parameter " << i << ", element " << k;
  }
}

}  // namespace
}  // namespace soma::optim
