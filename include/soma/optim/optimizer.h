// Optimizer: updates a list of parameters from their gradients. Subclasses implement
// update(); state is held per parameter index (never keyed by address), each parameter with its
// own step counter as in PyTorch, and all of it round-trips through state_dict()/load_state_dict(), so a
// training run resumes bit-identically. Semantics follow torch.optim (PyTorch 1.13).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::optim {

/// The base of every optimizer.
///   optim::Adam opt(net.parameters(), {.lr = 1e-3});
///   loss.backward(); opt.step(); opt.zero_grad();
/// A parameter whose gradient is missing on a step sits that step out: it is not updated and
/// its own step count does not advance, so bias corrections and lr decays (Adam, AdamW,
/// AdaGrad) count only the steps that updated it, as torch.optim does (a frozen branch, a GAN's
/// other network sharing an optimizer).
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Applies one update to every parameter that has a gradient, outside the graph; parameters
  /// without a gradient are left alone. Counts the step even when no parameter has one.
  /// Throws soma::Error (before changing anything) when a gradient's dtype differs from its
  /// parameter's.
  void step();
  /// Forgets every parameter's gradient (PyTorch's set_to_none).
  void zero_grad();

  /// The current learning rate (LR schedules change it through set_lr).
  double lr() const { return lr_; }
  /// Throws soma::Error naming the optimizer when `lr` is negative or NaN.
  void set_lr(double lr);
  /// The momentum that cyclic schedules vary (OneCycleLR), as PyTorch's: SGD's and RMSprop's
  /// momentum, Adam's and AdamW's beta1. None for AdaGrad, and for SGD or RMSprop made with
  /// momentum 0 (their state has no momentum buffer to use).
  virtual std::optional<double> momentum() const { return std::nullopt; }
  /// Sets momentum() for the next steps. Throws soma::Error naming the optimizer when it has
  /// none or `m` is outside its range (beta1 in [0, 1), momentum > 0).
  virtual void set_momentum(double m);
  /// Number of step() calls so far (restored by load_state_dict).
  std::int64_t steps() const { return steps_; }
  /// Number of steps that updated parameter `index` (PyTorch's state["step"]); during update()
  /// this one included.
  std::int64_t param_steps(std::size_t index) const { return param_steps_.at(index); }
  const std::vector<Tensor>& params() const { return params_; }
  /// The optimizer's name as used in error messages ("Adam").
  const std::string& name() const { return name_; }

  /// A snapshot (copies) of the whole state: "step" (0-dim int64), "lr" (0-dim float64) and
  /// "state.<index>.<slot>" for each parameter that has state (e.g. "state.3.exp_avg"), with
  /// its step count as "state.<index>.step" (0-dim int64); a parameter gets its state at its
  /// first update. A state without the per-parameter counts (written before they existed)
  /// loads with each parameter's count equal to "step".
  virtual std::map<std::string, Tensor> state_dict() const;
  /// Restores a state from state_dict() of an optimizer of the same kind and options over
  /// parameters of the same shapes and dtypes (the tensors are copied in). Throws soma::Error
  /// naming the missing, unexpected or mismatched entry; on a throw nothing has changed.
  virtual void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  /// `name` appears in errors ("Adam"); `state_names` lists the per-parameter state slots
  /// ("exp_avg", "exp_avg_sq"). Throws soma::Error when a parameter is not a leaf that requires
  /// grad, appears twice, or `lr` is negative.
  Optimizer(std::string name, std::vector<Tensor> params, double lr, std::vector<std::string> state_names);

  /// Updates parameter `index` in place from `grad` (same shape and dtype). Called by step()
  /// for each parameter with a gradient; during the call param_steps(index) counts this update
  /// (from 1) and steps() this step().
  virtual void update(std::size_t index, Tensor& param, const Tensor& grad) = 0;

  /// True once parameter `index` has its state tensors.
  bool has_state(std::size_t index) const {
    return !state_names_.empty() && state_[index * state_names_.size()].defined();
  }
  /// Creates the state of parameter `index`: one tensor per slot, like the parameter, filled
  /// with `fill`. Allocates only here, so the steady state of step() allocates nothing.
  void init_state(std::size_t index, double fill = 0);
  /// The state tensors of parameter `index`, in the order of `state_names`.
  std::span<Tensor> state(std::size_t index) {
    return {state_.data() + index * state_names_.size(), state_names_.size()};
  }

  double lr_ = 0;

 private:
  std::string name_;
  std::vector<Tensor> params_;
  std::vector<std::string> state_names_;
  std::vector<Tensor> state_;  // [parameter][slot], flattened
  std::vector<std::int64_t> param_steps_;
  std::int64_t steps_ = 0;
};

}  // namespace soma::optim
