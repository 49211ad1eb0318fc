// LR schedules and ReduceLROnPlateau: option checks (errors name the schedule and the option),
// agreement of the chainable forms with the closed forms, epoch 0 at construction, chaining
// from the optimizer's current lr, and state dicts (resume identically; load errors name the
// entry). Values against PyTorch are in optim_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "optim_support.h"
#include "soma/optim/adagrad.h"
#include "soma/optim/adam.h"
#include "soma/optim/plateau.h"
#include "soma/optim/schedule.h"
#include "soma/optim/sgd.h"

namespace soma::optim {
namespace {

using test::expect_error;

std::vector<Tensor> one_param() { return {zeros({1}, DType::f64).set_requires_grad()}; }

TEST(OptimSchedule, ChecksOptions) {
  SGD opt(one_param(), {.lr = 0.1});
  expect_error([&] { StepLR(opt, {}); }, "StepLR: step_size must be >= 1, got 0");
  expect_error([&] { StepLR(opt, {.step_size = 2, .gamma = -0.5}); }, "StepLR: gamma must be >= 0, got -0.5");
  expect_error([&] { MultiStepLR(opt, {.milestones = {3}, .gamma = -1}); }, "MultiStepLR: gamma must be >= 0");
  expect_error([&] { ExponentialLR(opt, {}); }, "ExponentialLR: gamma must be > 0, got 0");
  expect_error([&] { CosineAnnealingLR(opt, {}); }, "CosineAnnealingLR: t_max must be >= 1, got 0");
  expect_error([&] { CosineAnnealingLR(opt, {.t_max = 5, .eta_min = -1}); }, "CosineAnnealingLR: eta_min must be >= 0");
  expect_error([&] { LinearWarmup(opt, {.start_factor = 0}); }, "LinearWarmup: start_factor must be in (0, 1], got 0");
  expect_error([&] { LinearWarmup(opt, {.start_factor = 1.5}); }, "LinearWarmup: start_factor must be in (0, 1]");
  expect_error([&] { LinearWarmup(opt, {.end_factor = 2}); }, "LinearWarmup: end_factor must be in [0, 1], got 2");
  expect_error([&] { LinearWarmup(opt, {.total_iters = 0}); }, "LinearWarmup: total_iters must be >= 1, got 0");
  expect_error([&] { ReduceLROnPlateau(opt, {.factor = 1}); }, "ReduceLROnPlateau: factor must be in [0, 1), got 1");
  expect_error([&] { ReduceLROnPlateau(opt, {.patience = -1}); }, "ReduceLROnPlateau: patience must be >= 0");
  expect_error([&] { ReduceLROnPlateau(opt, {.threshold = -1}); }, "ReduceLROnPlateau: threshold must be >= 0");
  expect_error([&] { ReduceLROnPlateau(opt, {.cooldown = -1}); }, "ReduceLROnPlateau: cooldown must be >= 0");
  expect_error([&] { ReduceLROnPlateau(opt, {.min_lr = -1}); }, "ReduceLROnPlateau: min_lr must be >= 0");
  EXPECT_EQ(opt.lr(), 0.1);  // failed constructions leave the lr alone
}

// options().lr is the live learning rate: what the schedule set, not the constructor's.
TEST(OptimSchedule, OptionsReportTheLiveLr) {
  SGD opt(one_param(), {.lr = 0.2, .momentum = 0.9});
  StepLR s(opt, {.step_size = 1, .gamma = 0.5});
  s.step();
  EXPECT_EQ(opt.lr(), 0.1);
  EXPECT_EQ(opt.options().lr, 0.1);
  EXPECT_EQ(opt.options().momentum, 0.9);
  opt.set_lr(0.05);
  EXPECT_EQ(opt.options().lr, 0.05);
}

// The chainable forms agree with PyTorch's closed forms (up to rounding) for 40 epochs.
TEST(OptimSchedule, MatchesClosedForms) {
  const double base = 0.2;
  {
    SGD opt(one_param(), {.lr = base});
    StepLR s(opt, {.step_size = 3, .gamma = 0.5});
    for (int e = 1; e <= 40; ++e) {
      s.step();
      EXPECT_NEAR(opt.lr(), base * std::pow(0.5, e / 3), 1e-15) << e;
    }
  }
  {
    SGD opt(one_param(), {.lr = base});
    MultiStepLR s(opt, {.milestones = {10, 4, 10}, .gamma = 0.1});  // unsorted, repeated
    for (int e = 1; e <= 40; ++e) {
      s.step();
      EXPECT_NEAR(opt.lr(), base * std::pow(0.1, (e >= 4) + 2 * (e >= 10)), 1e-15) << e;
    }
  }
  {
    SGD opt(one_param(), {.lr = base});
    ExponentialLR s(opt, {.gamma = 0.95});
    for (int e = 1; e <= 40; ++e) {
      s.step();
      EXPECT_NEAR(opt.lr(), base * std::pow(0.95, e), 1e-15) << e;
    }
  }
  {
    SGD opt(one_param(), {.lr = base});
    CosineAnnealingLR s(opt, {.t_max = 8, .eta_min = 0.01});
    for (int e = 1; e <= 40; ++e) {  // past t_max the curve rises again (period 2 t_max)
      s.step();
      const double expected = 0.01 + (base - 0.01) * (1 + std::cos(std::numbers::pi * e / 8)) / 2;
      EXPECT_NEAR(opt.lr(), expected, 1e-14) << e;
    }
  }
  {
    SGD opt(one_param(), {.lr = base});
    LinearWarmup s(opt, {.start_factor = 0.25, .end_factor = 0.75, .total_iters = 4});
    EXPECT_NEAR(opt.lr(), base * 0.25, 1e-16);  // epoch 0 at construction
    for (int e = 1; e <= 40; ++e) {
      s.step();
      EXPECT_NEAR(opt.lr(), base * (0.25 + 0.5 * std::min(e, 4) / 4.0), 1e-15) << e;
    }
  }
}

TEST(OptimSchedule, ChainsFromTheCurrentLr) {
  SGD opt(one_param(), {.lr = 0.1});
  ExponentialLR s(opt, {.gamma = 0.5});
  EXPECT_EQ(s.base_lr(), 0.1);
  EXPECT_EQ(s.last_epoch(), 0);
  s.step();
  EXPECT_DOUBLE_EQ(opt.lr(), 0.05);
  opt.set_lr(1);
  s.step();
  EXPECT_DOUBLE_EQ(opt.lr(), 0.5);
  EXPECT_DOUBLE_EQ(s.last_lr(), 0.5);
}

TEST(OptimSchedule, StateDictResumes) {
  SGD opt(one_param(), {.lr = 0.3});
  LinearWarmup s(opt, {.total_iters = 10});
  for (int e = 0; e < 4; ++e) s.step();
  const auto opt_state = opt.state_dict();
  const auto state = s.state_dict();
  EXPECT_EQ(state.at("last_epoch").item(), 4);
  EXPECT_EQ(state.at("base_lr").item(), 0.3);

  SGD opt2(one_param(), {.lr = 0.3});
  LinearWarmup s2(opt2, {.total_iters = 10});
  opt2.load_state_dict(opt_state);
  s2.load_state_dict(state);
  EXPECT_EQ(s2.last_epoch(), 4);
  for (int e = 0; e < 10; ++e) {
    s.step();
    s2.step();
    EXPECT_EQ(opt.lr(), opt2.lr()) << e;
  }
}

TEST(OptimOneCycle, ChecksOptionsAndTheMomentum) {
  SGD opt(one_param(), {.lr = 0.1, .momentum = 0.9});
  expect_error([&] { OneCycleLR(opt, {.total_steps = 10}); }, "OneCycleLR: max_lr must be > 0, got 0");
  expect_error([&] { OneCycleLR(opt, {.max_lr = 1}); }, "OneCycleLR: total_steps must be >= 1, got 0");
  expect_error([&] { OneCycleLR(opt, {.max_lr = 1, .total_steps = 5, .pct_start = 1.5}); },
               "OneCycleLR: pct_start must be in [0, 1], got 1.5");
  expect_error([&] { OneCycleLR(opt, {.max_lr = 1, .total_steps = 5, .base_momentum = 0.99}); },
               "OneCycleLR: expected 0 <= base_momentum <= max_momentum < 1, got 0.99 and 0.95");
  AdaGrad adagrad(one_param(), {});
  expect_error([&] { OneCycleLR(adagrad, {.max_lr = 1, .total_steps = 5}); },
               "OneCycleLR: cycle_momentum needs an optimizer with a momentum (SGD or RMSprop with momentum > 0) or "
               "betas (Adam, AdamW), got AdaGrad; set cycle_momentum to false");
  SGD plain(one_param(), {.lr = 0.1});
  expect_error([&] { OneCycleLR(plain, {.max_lr = 1, .total_steps = 5}); }, "got SGD with momentum 0");
  EXPECT_EQ(plain.lr(), 0.1);  // failed constructions leave the lr alone
  OneCycleLR lr_only(plain, {.max_lr = 1, .total_steps = 5, .cycle_momentum = false});
  EXPECT_NEAR(plain.lr(), 1.0 / 25, 1e-15);  // 1 + (1/25 - 1) / 2 * 2, as PyTorch computes it
  expect_error([&] { plain.set_momentum(0.9); }, "SGD: made with momentum 0");
  expect_error([&] { adagrad.set_momentum(0.9); }, "AdaGrad: has no momentum to set");
}

// pct_start * total_steps = 1: the rise has no steps and the cycle starts at its peak (PyTorch
// 1.13 divides by zero).
TEST(OptimOneCycle, ARiseOfNoStepsStartsAtThePeak) {
  SGD opt(one_param(), {.lr = 0.1, .momentum = 0.9});
  OneCycleLR cycle(opt, {.max_lr = 0.5, .total_steps = 10, .pct_start = 0.1});
  EXPECT_EQ(opt.lr(), 0.5);
  EXPECT_EQ(*opt.momentum(), 0.85);
  for (int s = 1; s < 10; ++s) cycle.step();
  EXPECT_DOUBLE_EQ(opt.lr(), 0.5 / 25 / 1e4);
}

// The optimizer's state does not hold the momentum: loading the schedule's state sets it.
TEST(OptimOneCycle, StateDictResumesTheLrAndTheMomentum) {
  Adam opt(one_param(), {});
  OneCycleLR cycle(opt, {.max_lr = 0.01, .total_steps = 20});
  for (int s = 0; s < 7; ++s) cycle.step();
  Adam opt2(one_param(), {});
  OneCycleLR cycle2(opt2, {.max_lr = 0.01, .total_steps = 20});
  opt2.load_state_dict(opt.state_dict());
  cycle2.load_state_dict(cycle.state_dict());
  EXPECT_EQ(*opt2.momentum(), *opt.momentum());
  EXPECT_NE(*opt2.momentum(), 0.95);
  for (int s = 0; s < 13; ++s) {
    cycle.step();
    cycle2.step();
    EXPECT_EQ(opt.lr(), opt2.lr()) << s;
    EXPECT_EQ(*opt.momentum(), *opt2.momentum()) << s;
  }
  auto past = cycle.state_dict();
  past["last_epoch"] = Tensor(Shape{}, DType::i64);
  *past["last_epoch"].data<std::int64_t>() = 21;
  expect_error([&] { cycle2.load_state_dict(past); }, "OneCycleLR: stepped 21 times, past the cycle's total_steps (20)");
  EXPECT_EQ(cycle2.last_epoch(), 20);  // a refused load changes nothing
}

TEST(OptimSchedule, LoadErrorsNameTheEntry) {
  SGD opt(one_param(), {.lr = 0.3});
  StepLR s(opt, {.step_size = 2});
  s.step();
  const auto good = s.state_dict();
  auto state = good;
  state.erase("last_epoch");
  expect_error([&] { s.load_state_dict(state); }, "StepLR load_state_dict: missing entry 'last_epoch'");
  state = good;
  state["base_lr"] = scalar(1, DType::i64);
  expect_error([&] { s.load_state_dict(state); }, "entry 'base_lr' must be a 0-dim float64 tensor, got [] int64");
  state = good;
  state["gamma"] = scalar(0.1, DType::f64);
  expect_error([&] { s.load_state_dict(state); }, "StepLR load_state_dict: unexpected entry 'gamma'");
  state = good;
  state["last_epoch"] = scalar(-3, DType::i64);
  expect_error([&] { s.load_state_dict(state); }, "entry 'last_epoch' must be >= 0");
  EXPECT_EQ(s.last_epoch(), 1);
}

TEST(OptimPlateau, ReducesAfterPatience) {
  SGD opt(one_param(), {.lr = 1});
  ReduceLROnPlateau p(opt, {.factor = 0.5, .patience = 2});
  EXPECT_TRUE(std::isinf(p.best()));
  p.step(1.0);
  EXPECT_EQ(p.best(), 1.0);
  p.step(1.0);  // not better by the relative threshold: bad epochs 1, 2, then 3 > patience
  p.step(0.99995);
  EXPECT_EQ(p.num_bad_epochs(), 2);
  EXPECT_EQ(opt.lr(), 1);
  p.step(std::nan(""));  // NaN is never better
  EXPECT_EQ(opt.lr(), 0.5);
  EXPECT_EQ(p.num_bad_epochs(), 0);
  EXPECT_EQ(p.last_epoch(), 4);
  EXPECT_EQ(p.last_lr(), 0.5);
}

TEST(OptimPlateau, MaxModeCooldownAndMinLr) {
  SGD opt(one_param(), {.lr = 1});
  ReduceLROnPlateau p(opt, {.mode = PlateauMode::max, .factor = 0.1, .patience = 0, .cooldown = 1, .min_lr = 0.05});
  p.step(0.5);  // better than -inf
  p.step(0.4);  // worse: reduce to 0.1, cooldown 1
  EXPECT_DOUBLE_EQ(opt.lr(), 0.1);
  EXPECT_EQ(p.cooldown_counter(), 1);
  p.step(0.3);  // in cooldown: ignored
  EXPECT_DOUBLE_EQ(opt.lr(), 0.1);
  p.step(0.3);  // reduce, clamped at min_lr
  EXPECT_DOUBLE_EQ(opt.lr(), 0.05);
  p.step(0.3);
  p.step(0.3);  // already at min_lr
  EXPECT_DOUBLE_EQ(opt.lr(), 0.05);
}

TEST(OptimPlateau, StateDictResumes) {
  const std::vector<double> metrics{5, 4, 4, 4, 4.5, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2};
  SGD opt(one_param(), {.lr = 1});
  ReduceLROnPlateau p(opt, {.patience = 1, .cooldown = 1});
  for (int e = 0; e < 7; ++e) p.step(metrics[e]);
  SGD opt2(one_param(), {.lr = 1});
  ReduceLROnPlateau p2(opt2, {.patience = 1, .cooldown = 1});
  opt2.load_state_dict(opt.state_dict());
  p2.load_state_dict(p.state_dict());
  EXPECT_EQ(p2.best(), 3);
  for (std::size_t e = 7; e < metrics.size(); ++e) {
    p.step(metrics[e]);
    p2.step(metrics[e]);
    EXPECT_EQ(opt.lr(), opt2.lr()) << e;
    EXPECT_EQ(p.num_bad_epochs(), p2.num_bad_epochs()) << e;
  }
  EXPECT_LT(opt.lr(), 0.01);

  auto state = p.state_dict();
  state.erase("best");
  expect_error([&] { p2.load_state_dict(state); }, "ReduceLROnPlateau load_state_dict: missing entry 'best'");
  state = p.state_dict();
  state["num_bad_epochs"] = scalar(-1, DType::i64);
  expect_error([&] { p2.load_state_dict(state); }, "entry 'num_bad_epochs' must be >= 0, got -1");
}

}  // namespace
}  // namespace soma::optim
