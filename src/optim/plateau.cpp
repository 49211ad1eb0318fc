// ReduceLROnPlateau, following torch.optim.lr_scheduler.ReduceLROnPlateau (PyTorch 1.13): an
// epoch is good when the metric beats the best by the threshold; epochs in cooldown reset the
// bad count; a reduction smaller than eps is skipped so the lr does not creep towards zero.
#include "soma/optim/plateau.h"

#include <algorithm>
#include <limits>

#include "optim/state_entries.h"

namespace soma::optim {

namespace {
constexpr const char* kName = "ReduceLROnPlateau";
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options), last_lr_(optimizer.lr()) {
  SOMA_CHECK(options.factor >= 0 && options.factor < 1, kName, ": factor must be in [0, 1), got ", options.factor);
  SOMA_CHECK(options.patience >= 0, kName, ": patience must be >= 0, got ", options.patience);
  SOMA_CHECK(options.threshold >= 0, kName, ": threshold must be >= 0, got ", options.threshold);
  SOMA_CHECK(options.cooldown >= 0, kName, ": cooldown must be >= 0, got ", options.cooldown);
  SOMA_CHECK(options.min_lr >= 0, kName, ": min_lr must be >= 0, got ", options.min_lr);
  SOMA_CHECK(options.eps >= 0, kName, ": eps must be >= 0, got ", options.eps);
  const double inf = std::numeric_limits<double>::infinity();
  best_ = options.mode == PlateauMode::min ? inf : -inf;
}

bool ReduceLROnPlateau::is_better(double metric) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::rel;
  if (options_.mode == PlateauMode::min) return rel ? metric < best_ * (1 - t) : metric < best_ - t;
  return rel ? metric > best_ * (t + 1) : metric > best_ + t;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > options_.patience) {
    const double old_lr = optimizer_.lr();
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    if (old_lr - new_lr > options_.eps) optimizer_.set_lr(new_lr);
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = optimizer_.lr();
}

std::map<std::string, Tensor> ReduceLROnPlateau::state_dict() const {
  return {{"last_epoch", detail::int_entry(last_epoch_)},
          {"num_bad_epochs", detail::int_entry(num_bad_epochs_)},
          {"cooldown_counter", detail::int_entry(cooldown_counter_)},
          {"best", detail::real_entry(best_)},
          {"last_lr", detail::real_entry(last_lr_)}};
}

void ReduceLROnPlateau::load_state_dict(const std::map<std::string, Tensor>& state) {
  detail::check_known(state, {"last_epoch", "num_bad_epochs", "cooldown_counter", "best", "last_lr"}, kName);
  const std::int64_t last_epoch = detail::read_int(state, "last_epoch", kName);
  const std::int64_t num_bad_epochs = detail::read_int(state, "num_bad_epochs", kName);
  const std::int64_t cooldown_counter = detail::read_int(state, "cooldown_counter", kName);
  const double best = detail::read_real(state, "best", kName);
  const double last_lr = detail::read_real(state, "last_lr", kName);
  for (const auto& [key, value] : {std::pair{"last_epoch", last_epoch}, std::pair{"num_bad_epochs", num_bad_epochs},
                                   std::pair{"cooldown_counter", cooldown_counter}})
    SOMA_CHECK(value >= 0, kName, " load_state_dict: entry '", key, "' must be >= 0, got ", value);
  last_epoch_ = last_epoch;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  best_ = best;
  last_lr_ = last_lr;
}

}  // namespace soma::optim
