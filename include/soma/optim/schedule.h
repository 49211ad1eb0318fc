// Learning-rate schedules stepped once per epoch: StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR and LinearWarmup, as torch.optim.lr_scheduler (PyTorch 1.13 docs). Each
// uses PyTorch's chainable form (the next lr from the optimizer's current one), so the values
// match PyTorch's and other changes of the lr compose. OneCycleLR is stepped once per batch
// and sets the lr (and momentum) from its step alone. ReduceLROnPlateau is in plateau.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "soma/optim/optimizer.h"

namespace soma::optim {

/// The base of the epoch schedules. Construction is epoch 0: like PyTorch, it takes the
/// optimizer's lr as base_lr and sets the lr of epoch 0 (which differs from base_lr only for
/// LinearWarmup and for a MultiStepLR milestone at 0). Call step() after each epoch's
/// optimizer steps. The scheduler keeps a reference: the optimizer must outlive it.
/// NOTE: base_lr is the optimizer's lr when this scheduler is made; PyTorch instead reuses the
/// first scheduler's "initial_lr" when several schedulers share one optimizer.
///   optim::StepLR schedule(opt, {.step_size = 30, .gamma = 0.1});
///   for (int epoch = 0; epoch < 90; ++epoch) { train_one_epoch(); schedule.step(); }
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances to the next epoch and sets the optimizer's lr for it.
  void step();
  /// The current epoch (0 after construction).
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The optimizer's lr when the scheduler was made.
  double base_lr() const { return base_lr_; }
  /// The lr set by the last step() (or by construction).
  double last_lr() const { return last_lr_; }
  const std::string& name() const { return name_; }

  /// "last_epoch" (0-dim int64), "base_lr" and "last_lr" (0-dim float64). The options are not
  /// saved: load into a scheduler made with the same ones (and restore the optimizer's state,
  /// which holds the current lr).
  virtual std::map<std::string, Tensor> state_dict() const;
  /// Throws soma::Error naming the missing, unexpected or malformed entry; on a throw nothing
  /// has changed.
  virtual void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  /// `name` appears in errors ("StepLR"). Subclasses check their options, then call step()
  /// once at the end of their constructor to enter epoch 0. base_lr is the optimizer's lr
  /// unless given.
  LRScheduler(std::string name, Optimizer& optimizer);
  LRScheduler(std::string name, Optimizer& optimizer, double base_lr);
  /// The lr of epoch last_epoch() given the optimizer's current lr (PyTorch's get_lr).
  virtual double compute_lr() const = 0;
  /// The optimizer's momentum for epoch last_epoch(), or none to leave it (every schedule but
  /// OneCycleLR).
  virtual std::optional<double> compute_momentum() const { return std::nullopt; }

  Optimizer& optimizer_;

 private:
  std::string name_;
  double base_lr_;
  double last_lr_;
  std::int64_t last_epoch_ = -1;
};

struct StepLROptions {
  std::int64_t step_size = 0;  ///< epochs between decays (>= 1; required)
  double gamma = 0.1;          ///< factor applied every step_size epochs (>= 0)
};

/// lr = base_lr * gamma^floor(epoch / step_size).
/// Throws soma::Error naming StepLR and the option when step_size < 1 or gamma < 0.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, const StepLROptions& options);

 protected:
  double compute_lr() const override;

 private:
  StepLROptions options_;
};

struct MultiStepLROptions {
  std::vector<std::int64_t> milestones;  ///< epochs at which to decay; a repeated one decays repeatedly
  double gamma = 0.1;                    ///< factor applied at each milestone (>= 0)
};

/// lr = base_lr * gamma^(number of milestones <= epoch). Throws soma::Error when gamma < 0.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options);

 protected:
  double compute_lr() const override;

 private:
  MultiStepLROptions options_;
};

struct ExponentialLROptions {
  double gamma = 0;  ///< factor applied every epoch (> 0; required, PyTorch has no default)
};

/// lr = base_lr * gamma^epoch. Throws soma::Error naming ExponentialLR when gamma <= 0.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, const ExponentialLROptions& options);

 protected:
  double compute_lr() const override;

 private:
  ExponentialLROptions options_;
};

struct CosineAnnealingLROptions {
  std::int64_t t_max = 0;  ///< half-period in epochs (PyTorch's T_max; >= 1; required)
  double eta_min = 0;      ///< lowest lr (>= 0)
};

/// SGDR's cosine annealing without restarts (Loshchilov & Hutter, "SGDR: Stochastic Gradient
/// Descent with Warm Restarts", ICLR 2017): lr = eta_min + (base_lr - eta_min)(1 + cos(pi
/// epoch / t_max)) / 2 for epoch <= t_max; past t_max it rises again (a cosine of period
/// 2 t_max), as PyTorch's chainable form does. Throws soma::Error when t_max < 1 or eta_min < 0.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options);

 protected:
  double compute_lr() const override;

 private:
  CosineAnnealingLROptions options_;
};

struct LinearWarmupOptions {
  double start_factor = 1.0 / 3;  ///< multiplier of base_lr at epoch 0, in (0, 1]
  double end_factor = 1.0;        ///< multiplier from total_iters on, in [0, 1]
  std::int64_t total_iters = 5;   ///< epochs of the linear ramp (>= 1)
};

/// PyTorch's LinearLR: the multiplier of base_lr goes linearly from start_factor at epoch 0
/// to end_factor at epoch total_iters and stays there. Throws soma::Error naming LinearWarmup
/// and the option when one is out of range.
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, const LinearWarmupOptions& options = {});

 protected:
  double compute_lr() const override;

 private:
  LinearWarmupOptions options_;
};

enum class Anneal { cos, linear };

struct OneCycleLROptions {
  double max_lr = 0;               ///< the peak lr (> 0; required)
  std::int64_t total_steps = 0;    ///< optimizer steps in the cycle (>= 1; required)
  double pct_start = 0.3;          ///< the fraction of the steps that raise the lr, in [0, 1]
  Anneal anneal_strategy = Anneal::cos;
  bool cycle_momentum = true;      ///< vary the optimizer's momentum() inversely to the lr
  double base_momentum = 0.85;     ///< the momentum at the peak lr
  double max_momentum = 0.95;      ///< the momentum at the start and the end
  double div_factor = 25;          ///< the first lr is max_lr / div_factor (> 0)
  double final_div_factor = 1e4;   ///< the last lr is the first / final_div_factor (> 0)
  bool three_phase = false;        ///< back down to the first lr, then the last (fast.ai's form)
};

/// Smith & Topin's 1cycle policy ("Super-Convergence", 2018) as PyTorch's OneCycleLR, stepped
/// after every optimizer step: the lr rises from max_lr / div_factor to max_lr over pct_start
/// of total_steps, then anneals (cosine or linear) to the first lr / final_div_factor, while
/// the momentum (Adam's beta1) goes the other way between max_momentum and base_momentum.
/// base_lr() is the first lr. Stepping more than total_steps times throws soma::Error (as
/// PyTorch does), which is why the training callback takes total_steps from the fit.
///   optim::OneCycleLR cycle(opt, {.max_lr = 0.01, .total_steps = epochs * batches});
///   for (...) { loss.backward(); opt.step(); opt.zero_grad(); cycle.step(); }
/// Throws soma::Error naming OneCycleLR and the option when one is out of range, and when
/// cycle_momentum is set for an optimizer without momentum() (AdaGrad; SGD with momentum 0,
/// where PyTorch would switch the momentum on).
/// NOTE: two differences from PyTorch 1.13, where it fails: a phase of zero steps
/// (pct_start * total_steps = 1) ends at its step, where PyTorch divides by zero; and the step
/// after the last keeps the last lr, where PyTorch goes on along the curve (below zero for a
/// linear anneal, which set_lr refuses).
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  const OneCycleLROptions& options() const { return options_; }
  /// Also sets the optimizer's momentum for the restored step (the optimizer's own state does
  /// not hold it).
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  double compute_lr() const override;
  std::optional<double> compute_momentum() const override;

 private:
  struct Phase {
    double end_step, start_lr, end_lr, start_momentum, end_momentum;
  };
  // The phase of last_epoch() and how far into it, in [0, 1].
  std::pair<const Phase*, double> locate() const;
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
};

}  // namespace soma::optim
