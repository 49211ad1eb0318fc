// Callback helpers: the monitor-mode rule shared by EarlyStopping, ModelCheckpoint and
// ReduceLROnPlateau, and the 0-dim state tensors callbacks save. The hooks themselves are no-ops.
#include "soma/train/callback.h"

#include "soma/core/factory.h"

namespace soma::train {

MonitorMode resolve_mode(MonitorMode mode, const std::string& monitor) {
  if (mode != MonitorMode::automatic) return mode;
  // Keras' rule: accuracies ("accuracy", "val_acc", "top_k_acc") grow, everything else shrinks.
  return monitor.find("acc") != std::string::npos ? MonitorMode::max : MonitorMode::min;
}

namespace detail {

Tensor state_value(double value) { return scalar(value, DType::f64); }

Tensor state_count(std::int64_t value) {
  Tensor t = zeros({}, DType::i64);
  *t.data<std::int64_t>() = value;
  return t;
}

double read_value(const std::map<std::string, Tensor>& state, const std::string& key, const std::string& owner) {
  const auto it = state.find(key);
  SOMA_CHECK(it != state.end() && it->second.defined() && it->second.numel() == 1, owner,
             ": the saved state has no value '", key, "'");
  return it->second.item();
}

}  // namespace detail

}  // namespace soma::train
