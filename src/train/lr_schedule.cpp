// Schedule callbacks: step at epoch end, after the epoch's "lr" was logged, so the log shows
// the lr the epoch trained with.
#include "soma/train/lr_schedule.h"

#include <cstdio>

#include "soma/train/context.h"

namespace soma::train {

void LearningRateScheduler::on_epoch_end(Context&, std::int64_t, Logs&) { schedule_->step(); }

ReduceLROnPlateau::ReduceLROnPlateau(const ReduceLROnPlateauOptions& options) : options_(options) {}

void ReduceLROnPlateau::on_train_begin(Context& context) {
  const MonitorMode mode = resolve_mode(options_.mode, options_.monitor);
  plateau_ = std::make_shared<optim::ReduceLROnPlateau>(
      context.optimizer(),
      optim::ReduceLROnPlateauOptions{.mode = mode == MonitorMode::max ? optim::PlateauMode::max : optim::PlateauMode::min,
                                      .factor = options_.factor,
                                      .patience = options_.patience,
                                      .threshold = options_.threshold,
                                      .threshold_mode = options_.threshold_mode,
                                      .cooldown = options_.cooldown,
                                      .min_lr = options_.min_lr});
}

void ReduceLROnPlateau::on_epoch_end(Context&, std::int64_t, Logs& logs) {
  const auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    std::fprintf(stderr, "ReduceLROnPlateau: '%s' is not logged; the lr stays\n", options_.monitor.c_str());
    return;
  }
  plateau_->step(it->second);
}

std::map<std::string, Tensor> ReduceLROnPlateau::state_dict() const {
  return plateau_ ? plateau_->state_dict() : std::map<std::string, Tensor>{};
}

void ReduceLROnPlateau::load_state_dict(const std::map<std::string, Tensor>& state) {
  SOMA_CHECK(plateau_, "ReduceLROnPlateau: load_state_dict before on_train_begin");
  plateau_->load_state_dict(state);
}

void OneCycleLR::on_train_begin(Context& context) {
  optim::OneCycleLROptions o = options_;
  if (o.total_steps == 0) o.total_steps = context.epochs() * context.batches_per_epoch();
  cycle_ = std::make_shared<optim::OneCycleLR>(context.optimizer(), o);
}

void OneCycleLR::on_batch_end(Context&, std::int64_t, const Logs&) { cycle_->step(); }

std::map<std::string, Tensor> OneCycleLR::state_dict() const {
  return cycle_ ? cycle_->state_dict() : std::map<std::string, Tensor>{};
}

void OneCycleLR::load_state_dict(const std::map<std::string, Tensor>& state) {
  SOMA_CHECK(cycle_, "OneCycleLR: load_state_dict before on_train_begin");
  cycle_->load_state_dict(state);
}

}  // namespace soma::train
