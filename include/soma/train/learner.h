// Learner: one kind of training reduced to its step — a supervised model (Trainer), a GAN, an
// RBM, a VAE, an RL agent. The loop (loop.h) drives any learner the same way: batches in,
// steps out, the same callbacks, events, checkpoints and History. A learner owns no data and
// no loop; it knows how to take one step on a batch and what state makes it resumable.
// The gradient hooks run between backward and every optimizer step: clipping lives there,
// and the data-parallel allreduce will.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/data/dataset.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/history.h"

namespace soma::train {

class EventStream;

/// What one step produced.
struct StepResult {
  /// The step's scalars by name ("loss", "d_loss", "reconstruction_error", ...), each a mean per
  /// example of the batch; the epoch's value of each is their mean weighted by `examples` over
  /// the steps that gave it (a value may be left out of a step: a GAN's G loss every k-th).
  Logs values;
  std::int64_t examples = 0;  ///< examples in the batch (the weight of `values`)
  /// Exact accuracy counts when the task has one: the step's and the epoch's "accuracy" are
  /// correct / counted. counted = 0: no accuracy.
  std::int64_t correct = 0, counted = 0;
  Tensor output;  ///< the model's output for the batch (supervised learners; undefined otherwise)
};

/// Called with an optimizer whose parameters hold this step's gradients, before its step().
/// It may change the gradients (clip, average across processes) or only read them (log norms).
using GradientHook = std::function<void(optim::Optimizer&)>;

class Learner {
 public:
  virtual ~Learner() = default;

  /// Short name, saved in checkpoints ("supervised", "gan", "rbm", "vae").
  virtual std::string name() const = 0;
  /// One training step on `batch`: forward, backward, gradient hooks, optimizer step(s).
  virtual StepResult train_step(const data::Batch& batch) = 0;
  /// The same measurements without training (eval mode and NoGradGuard are the caller's).
  /// A learner with nothing to measure returns empty values.
  virtual StepResult evaluate_step(const data::Batch& batch) = 0;

  /// Everything it trains, as one module tree (a GAN: "generator" and "discriminator"
  /// children), so checkpoints and ModelCheckpoint see one state_dict.
  virtual nn::Module& model() = 0;
  /// Its optimizers, in a fixed order (checkpointed as "optimizer" when one, else "optimizer.<i>").
  virtual std::vector<optim::Optimizer*> optimizers() = 0;
  /// Random generators it owns (GAN noise, Gibbs sampling), by name, saved in checkpoints.
  virtual std::vector<std::pair<std::string, Generator*>> generators() { return {}; }
  /// Any further state an exact resume needs (step counters), as named tensors.
  virtual std::map<std::string, Tensor> state_dict() const { return {}; }
  virtual void load_state_dict(const std::map<std::string, Tensor>& state) {}
  /// After each epoch's logs: pictures or text for the record (a GAN's fixed-noise samples).
  virtual void report_epoch(EventStream& events, std::int64_t epoch) {}

  /// Adds a hook run on every optimizer step, after those added before; returns its id.
  /// Throws soma::Error for an empty function.
  int add_gradient_hook(GradientHook hook);
  /// Removes the hook `id` (no effect when it is gone already).
  void remove_gradient_hook(int id);
  std::size_t gradient_hooks() const { return hooks_.size(); }

 protected:
  /// The end of every optimizer update: the gradient hooks in order, opt.step(), opt.zero_grad().
  void apply_step(optim::Optimizer& opt);

 private:
  std::vector<std::pair<int, GradientHook>> hooks_;
  int next_hook_id_ = 0;
};

}  // namespace soma::train
