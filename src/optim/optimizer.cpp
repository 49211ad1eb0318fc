// Optimizer base: the step loop, per-parameter state slots and the state dict.
#include "soma/optim/optimizer.h"

#include <charconv>
#include <string_view>

#include "optim/state_entries.h"
#include "soma/autograd/grad_mode.h"
#include "soma/autograd/node.h"
#include "soma/core/factory.h"

namespace soma::optim {

Optimizer::Optimizer(std::string name, std::vector<Tensor> params, double lr, std::vector<std::string> state_names)
    : name_(std::move(name)), params_(std::move(params)), state_names_(std::move(state_names)) {
  set_lr(lr);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    SOMA_CHECK(params_[i].defined() && params_[i].requires_grad() && params_[i].is_leaf(), name_, ": parameter ", i,
               " is not a leaf tensor that requires grad");
    // A parameter listed twice would be updated twice per step (PyTorch only warns).
    for (std::size_t j = 0; j < i; ++j)
      SOMA_CHECK(params_[j].impl() != params_[i].impl(), name_, ": parameters ", j, " and ", i,
                 " are the same tensor; pass each parameter once");
  }
  state_.resize(params_.size() * state_names_.size());
  param_steps_.assign(params_.size(), 0);
}

void Optimizer::set_momentum(double) {
  SOMA_CHECK(false, name_, ": has no momentum to set (a cyclic schedule needs SGD or RMSprop with momentum > 0, or Adam or AdamW)");
}

void Optimizer::set_lr(double lr) {
  SOMA_CHECK(lr >= 0, name_, ": lr must be >= 0, got ", lr);
  lr_ = lr;
}

namespace {
// The parameter's gradient by reference, null when it has none: Tensor::grad() returns a new
// handle, and its two reference-count updates per parameter were 6% of B1's (XOR) step.
const Tensor* grad_of(const Tensor& param) {
  const autograd::Node* node = autograd::node_of(param);
  if (!node || !node->is_leaf()) return nullptr;
  const Tensor& grad = static_cast<const autograd::AccumulateGrad*>(node)->grad;
  return grad.defined() ? &grad : nullptr;
}
}  // namespace

void Optimizer::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor* grad = grad_of(params_[i]);
    SOMA_CHECK(!grad || grad->dtype() == params_[i].dtype(), name_, ": the gradient of parameter ", i, " is ",
               name_of(grad->dtype()), " but the parameter is ", name_of(params_[i].dtype()));
  }
  NoGradGuard no_grad;
  ++steps_;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor* grad = grad_of(params_[i]);
    if (!grad) continue;  // sits this step out, its count included
    ++param_steps_[i];
    update(i, params_[i], *grad);
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

void Optimizer::init_state(std::size_t index, double fill) {
  for (Tensor& t : state(index)) t = full(params_[index].shape(), fill, params_[index].dtype());
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::int_entry(steps_);
  out["lr"] = detail::real_entry(lr_);
  const std::size_t slots = state_names_.size();
  for (std::size_t i = 0; i < params_.size(); ++i) {
    for (std::size_t s = 0; s < slots; ++s)
      if (state_[i * slots + s].defined())
        out["state." + std::to_string(i) + "." + state_names_[s]] = state_[i * slots + s].copy();
    // Saved with the state it counts (plain SGD keeps none, and no count, as in PyTorch).
    if (has_state(i)) out["state." + std::to_string(i) + ".step"] = detail::int_entry(param_steps_[i]);
  }
  return out;
}

namespace {
// Splits "state.<index>.<slot>" into index and slot; false for any other form.
bool parse_state_key(const std::string& key, std::size_t& index, std::string& slot) {
  constexpr std::string_view kPrefix = "state.";
  if (key.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  const char* first = key.data() + kPrefix.size();
  const char* last = key.data() + key.size();
  const auto [end, error] = std::from_chars(first, last, index);
  if (error != std::errc() || end == first || end == last || *end != '.') return false;
  slot.assign(end + 1, last);
  return true;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  const std::string owner = name_;
  const std::int64_t steps = detail::read_int(state, "step", owner);
  const double lr = detail::read_real(state, "lr", owner);
  SOMA_CHECK(steps >= 0, owner, " load_state_dict: entry 'step' must be >= 0, got ", steps);
  SOMA_CHECK(lr >= 0, owner, " load_state_dict: entry 'lr' must be >= 0, got ", lr);

  const std::size_t slots = state_names_.size();
  std::vector<Tensor> loaded(state_.size());
  std::vector<std::int64_t> param_steps(params_.size(), -1);  // -1: not saved
  for (const auto& [key, value] : state) {
    if (key == "step" || key == "lr") continue;
    std::size_t index = 0;
    std::string slot;
    SOMA_CHECK(parse_state_key(key, index, slot), owner, " load_state_dict: unexpected entry '", key, "'");
    SOMA_CHECK(index < params_.size(), owner, " load_state_dict: unexpected entry '", key, "' (the optimizer has ",
               params_.size(), " parameters)");
    if (slot == "step") {
      param_steps[index] = detail::read_int(state, key, owner);
      SOMA_CHECK(param_steps[index] >= 0 && param_steps[index] <= steps, owner, " load_state_dict: entry '", key,
                 "' must be in [0, step = ", steps, "], got ", param_steps[index]);
      continue;
    }
    std::size_t s = 0;
    while (s < slots && state_names_[s] != slot) ++s;
    SOMA_CHECK(s < slots, owner, " load_state_dict: unexpected entry '", key, "' (", owner,
               " with these options keeps ", slots ? join(state_names_) : "no per-parameter state", ")");
    const Tensor& p = params_[index];
    SOMA_CHECK(value.defined() && value.shape() == p.shape() && value.dtype() == p.dtype(), owner,
               " load_state_dict: entry '", key, "' is ",
               value.defined() ? value.shape().str() + " " + name_of(value.dtype()) : std::string("undefined"),
               " but parameter ", index, " is ", p.shape(), " ", name_of(p.dtype()));
    loaded[index * slots + s] = value.copy();
  }
  // A parameter has either all of its state or none (it has not been updated yet).
  for (std::size_t i = 0; i < params_.size(); ++i) {
    std::size_t present = 0;
    for (std::size_t s = 0; s < slots; ++s) present += loaded[i * slots + s].defined();
    if (present == 0 || present == slots) continue;
    for (std::size_t s = 0; s < slots; ++s)
      SOMA_CHECK(loaded[i * slots + s].defined(), owner, " load_state_dict: missing entry 'state.", i, ".",
                 state_names_[s], "'");
  }
  // Without saved counts (an older state), a parameter that has state has taken every step.
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (param_steps[i] < 0) param_steps[i] = slots > 0 && loaded[i * slots].defined() ? steps : 0;
  steps_ = steps;
  lr_ = lr;
  state_ = std::move(loaded);
  param_steps_ = std::move(param_steps);
}

}  // namespace soma::optim
