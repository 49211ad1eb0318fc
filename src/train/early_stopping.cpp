// EarlyStopping, following keras.callbacks.EarlyStopping (Keras 3): the wait counter grows
// every epoch and an improvement resets it; the best weights are snapshotted at the first
// epoch and at each improvement, and put back when training ends.
#include "soma/train/early_stopping.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "soma/io/weights.h"
#include "soma/train/context.h"

namespace soma::train {

namespace {

std::vector<std::pair<std::string, Tensor>> snapshot(const nn::Module& model) {
  std::vector<std::pair<std::string, Tensor>> copies;
  for (const auto& [name, t] : io::state_dict(model)) copies.emplace_back(name, t.copy());
  return copies;
}

}  // namespace

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options)
    : options_(options), mode_(resolve_mode(options.mode, options.monitor)) {
  SOMA_CHECK(options.patience >= 0, "EarlyStopping: patience must be >= 0, got ", options.patience);
  options_.min_delta = std::abs(options.min_delta);
}

bool EarlyStopping::improves(double value, double reference) const {
  // Keras: monitor_op(value - min_delta, reference) with min_delta negated in min mode.
  return mode_ == MonitorMode::min ? value + options_.min_delta < reference
                                   : value - options_.min_delta > reference;
}

void EarlyStopping::on_train_begin(Context&) {
  best_ = mode_ == MonitorMode::min ? std::numeric_limits<double>::infinity()
                                    : -std::numeric_limits<double>::infinity();
  best_epoch_ = -1;
  wait_ = 0;
  stopped_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) {
  const auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    if (!warned_)
      std::fprintf(stderr, "EarlyStopping: '%s' is not logged, so it cannot be monitored (logged: %s)\n",
                   options_.monitor.c_str(), [&] {
                     std::string names;
                     for (const auto& [name, v] : logs) names += (names.empty() ? "" : ", ") + name;
                     return names;
                   }().c_str());
    warned_ = true;
    return;
  }
  const double value = it->second;
  if (options_.restore_best_weights && best_weights_.empty()) {
    best_weights_ = snapshot(context.model());
    best_epoch_ = epoch;
  }
  ++wait_;
  if (improves(value, best_)) {
    best_ = value;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = snapshot(context.model());
    if (!options_.baseline || improves(value, *options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    context.request_stop();
  }
}

void EarlyStopping::on_train_end(Context& context) {
  if (stopped_epoch_ >= 0 && options_.verbose > 0) std::printf("Epoch %lld: early stopping\n", (long long)stopped_epoch_ + 1);
  if (options_.restore_best_weights && !best_weights_.empty()) {
    if (options_.verbose > 0)
      std::printf("Restoring model weights from the end of the best epoch: %lld.\n", (long long)best_epoch_ + 1);
    io::load_state_dict(context.model(), best_weights_);
  }
}

std::map<std::string, Tensor> EarlyStopping::state_dict() const {
  std::map<std::string, Tensor> state = {{"best", detail::state_value(best_)},
                                         {"best_epoch", detail::state_count(best_epoch_)},
                                         {"wait", detail::state_count(wait_)},
                                         {"stopped_epoch", detail::state_count(stopped_epoch_)}};
  for (const auto& [name, t] : best_weights_) state["best_weights." + name] = t.copy();
  return state;
}

void EarlyStopping::load_state_dict(const std::map<std::string, Tensor>& state) {
  const double best = detail::read_value(state, "best", "EarlyStopping");
  const auto best_epoch = std::int64_t(detail::read_value(state, "best_epoch", "EarlyStopping"));
  const auto wait = std::int64_t(detail::read_value(state, "wait", "EarlyStopping"));
  const auto stopped = std::int64_t(detail::read_value(state, "stopped_epoch", "EarlyStopping"));
  std::vector<std::pair<std::string, Tensor>> weights;
  for (const auto& [key, t] : state)
    if (key.starts_with("best_weights.")) weights.emplace_back(key.substr(std::strlen("best_weights.")), t.copy());
  best_ = best;
  best_epoch_ = best_epoch;
  wait_ = wait;
  stopped_epoch_ = stopped;
  best_weights_ = std::move(weights);
}

}  // namespace soma::train
