// Epoch LR schedules in PyTorch 1.13's chainable form: each epoch's lr is computed from the
// optimizer's current lr with the same arithmetic as torch.optim.lr_scheduler's get_lr, so the
// values agree with PyTorch to the last bit and compose with other changes of the lr.
#include "soma/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "optim/state_entries.h"

namespace soma::optim {

LRScheduler::LRScheduler(std::string name, Optimizer& optimizer)
    : LRScheduler(std::move(name), optimizer, optimizer.lr()) {}

LRScheduler::LRScheduler(std::string name, Optimizer& optimizer, double base_lr)
    : optimizer_(optimizer), name_(std::move(name)), base_lr_(base_lr), last_lr_(optimizer.lr()) {}

void LRScheduler::step() {
  ++last_epoch_;
  double lr = 0;
  std::optional<double> momentum;
  try {  // a schedule that refuses the step leaves everything as it was
    lr = compute_lr();
    momentum = compute_momentum();
  } catch (...) {
    --last_epoch_;
    throw;
  }
  optimizer_.set_lr(lr);
  if (momentum) optimizer_.set_momentum(*momentum);
  last_lr_ = optimizer_.lr();
}

std::map<std::string, Tensor> LRScheduler::state_dict() const {
  return {{"last_epoch", detail::int_entry(last_epoch_)},
          {"base_lr", detail::real_entry(base_lr_)},
          {"last_lr", detail::real_entry(last_lr_)}};
}

void LRScheduler::load_state_dict(const std::map<std::string, Tensor>& state) {
  detail::check_known(state, {"last_epoch", "base_lr", "last_lr"}, name_);
  const std::int64_t last_epoch = detail::read_int(state, "last_epoch", name_);
  const double base_lr = detail::read_real(state, "base_lr", name_);
  const double last_lr = detail::read_real(state, "last_lr", name_);
  SOMA_CHECK(last_epoch >= 0, name_, " load_state_dict: entry 'last_epoch' must be >= 0, got ", last_epoch);
  last_epoch_ = last_epoch;
  base_lr_ = base_lr;
  last_lr_ = last_lr;
}

StepLR::StepLR(Optimizer& optimizer, const StepLROptions& options) : LRScheduler("StepLR", optimizer), options_(options) {
  SOMA_CHECK(options.step_size >= 1, "StepLR: step_size must be >= 1, got ", options.step_size);
  SOMA_CHECK(options.gamma >= 0, "StepLR: gamma must be >= 0, got ", options.gamma);
  step();
}

double StepLR::compute_lr() const {
  const double lr = optimizer_.lr();
  if (last_epoch() == 0 || last_epoch() % options_.step_size != 0) return lr;
  return lr * options_.gamma;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options)
    : LRScheduler("MultiStepLR", optimizer), options_(options) {
  SOMA_CHECK(options.gamma >= 0, "MultiStepLR: gamma must be >= 0, got ", options.gamma);
  step();
}

double MultiStepLR::compute_lr() const {
  const auto& m = options_.milestones;
  const auto hits = std::count(m.begin(), m.end(), last_epoch());
  if (hits == 0) return optimizer_.lr();
  return optimizer_.lr() * std::pow(options_.gamma, double(hits));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, const ExponentialLROptions& options)
    : LRScheduler("ExponentialLR", optimizer), options_(options) {
  SOMA_CHECK(options.gamma > 0, "ExponentialLR: gamma must be > 0, got ", options.gamma);
  step();
}

double ExponentialLR::compute_lr() const {
  return last_epoch() == 0 ? optimizer_.lr() : optimizer_.lr() * options_.gamma;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options)
    : LRScheduler("CosineAnnealingLR", optimizer), options_(options) {
  SOMA_CHECK(options.t_max >= 1, "CosineAnnealingLR: t_max must be >= 1, got ", options.t_max);
  SOMA_CHECK(options.eta_min >= 0, "CosineAnnealingLR: eta_min must be >= 0, got ", options.eta_min);
  step();
}

// The ratio of consecutive cosine values moves the lr along the curve. Where the previous
// value is the bottom (1 + cos = 0, epoch - 1 = t_max mod 2 t_max) the ratio is undefined, and
// the lr climbs by the first increment of the curve instead.
double CosineAnnealingLR::compute_lr() const {
  constexpr double pi = std::numbers::pi;
  const double lr = optimizer_.lr(), eta_min = options_.eta_min;
  const std::int64_t e = last_epoch(), t_max = options_.t_max;
  if (e == 0) return lr;
  if ((e - 1 - t_max) % (2 * t_max) == 0) return lr + (base_lr() - eta_min) * (1 - std::cos(pi / double(t_max))) / 2;
  return (1 + std::cos(pi * double(e) / double(t_max))) / (1 + std::cos(pi * double(e - 1) / double(t_max))) *
             (lr - eta_min) +
         eta_min;
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, const LinearWarmupOptions& options)
    : LRScheduler("LinearWarmup", optimizer), options_(options) {
  SOMA_CHECK(options.start_factor > 0 && options.start_factor <= 1,
             "LinearWarmup: start_factor must be in (0, 1], got ", options.start_factor);
  SOMA_CHECK(options.end_factor >= 0 && options.end_factor <= 1, "LinearWarmup: end_factor must be in [0, 1], got ",
             options.end_factor);
  SOMA_CHECK(options.total_iters >= 1, "LinearWarmup: total_iters must be >= 1, got ", options.total_iters);
  step();
}

// Chainable form: the factor of epoch e over the factor of epoch e - 1.
double LinearWarmup::compute_lr() const {
  const double lr = optimizer_.lr(), start = options_.start_factor, end = options_.end_factor;
  const std::int64_t e = last_epoch();
  if (e == 0) return lr * start;
  if (e > options_.total_iters) return lr;
  return lr * (1 + (end - start) / (double(options_.total_iters) * start + double(e - 1) * (end - start)));
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler("OneCycleLR", optimizer, options.max_lr / options.div_factor), options_(options) {
  const auto& o = options;
  SOMA_CHECK(o.max_lr > 0, "OneCycleLR: max_lr must be > 0, got ", o.max_lr);
  SOMA_CHECK(o.total_steps >= 1, "OneCycleLR: total_steps must be >= 1, got ", o.total_steps);
  SOMA_CHECK(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR: pct_start must be in [0, 1], got ", o.pct_start);
  SOMA_CHECK(o.div_factor > 0, "OneCycleLR: div_factor must be > 0, got ", o.div_factor);
  SOMA_CHECK(o.final_div_factor > 0, "OneCycleLR: final_div_factor must be > 0, got ", o.final_div_factor);
  if (o.cycle_momentum) {
    SOMA_CHECK(optimizer.momentum().has_value(), "OneCycleLR: cycle_momentum needs an optimizer with a momentum (SGD or "
               "RMSprop with momentum > 0) or betas (Adam, AdamW), got ", optimizer.name(),
               optimizer.name() == "AdaGrad" ? "" : " with momentum 0", "; set cycle_momentum to false");
    SOMA_CHECK(o.base_momentum >= 0 && o.max_momentum < 1 && o.base_momentum <= o.max_momentum,
               "OneCycleLR: expected 0 <= base_momentum <= max_momentum < 1, got ", o.base_momentum, " and ",
               o.max_momentum);
  }
  // PyTorch's phases: the end steps are fractional, the last phase ends at total_steps - 1.
  const double first = base_lr(), last = first / o.final_div_factor, peak = o.max_lr;
  const double up = o.pct_start * double(o.total_steps) - 1, top = o.base_momentum, low = o.max_momentum;
  const double end = double(o.total_steps) - 1;
  if (o.three_phase)
    phases_ = {{up, first, peak, low, top}, {2 * o.pct_start * double(o.total_steps) - 2, peak, first, top, low},
               {end, first, last, low, low}};
  else
    phases_ = {{up, first, peak, low, top}, {end, peak, last, top, low}};
  step();
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::locate() const {
  const std::int64_t step = last_epoch();
  SOMA_CHECK(step <= options_.total_steps, "OneCycleLR: stepped ", step, " times, past the cycle's total_steps (",
             options_.total_steps, ")");
  double start = 0;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    if (double(step) <= p.end_step || i + 1 == phases_.size()) {
      const double length = p.end_step - start;
      // After the last step PyTorch goes on along the curve (below zero for a linear anneal);
      // the cycle's last lr stays instead.
      return {&p, length == 0 ? 1.0 : std::min(1.0, (double(step) - start) / length)};
    }
    start = p.end_step;
  }
  return {&phases_.back(), 1.0};  // not reached: the last phase takes every step
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == Anneal::linear) return (end - start) * pct + start;
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
}

double OneCycleLR::compute_lr() const {
  const auto [phase, pct] = locate();
  return anneal(phase->start_lr, phase->end_lr, pct);
}

std::optional<double> OneCycleLR::compute_momentum() const {
  if (!options_.cycle_momentum) return std::nullopt;
  const auto [phase, pct] = locate();
  return anneal(phase->start_momentum, phase->end_momentum, pct);
}

void OneCycleLR::load_state_dict(const std::map<std::string, Tensor>& state) {
  const auto before = LRScheduler::state_dict();
  LRScheduler::load_state_dict(state);
  try {
    if (auto m = compute_momentum()) optimizer_.set_momentum(*m);
  } catch (...) {  // a step past total_steps: refused, as step() would
    LRScheduler::load_state_dict(before);
    throw;
  }
}

}  // namespace soma::optim
