// Module: the base of every layer and model. Holds named parameters, buffers and child
// modules, and the train/eval flag (a property of the module tree, never a global).
// Names are dotted paths, stable across runs: "layers.0.weight".
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"
#include "soma/nn/regularizer.h"

namespace soma::nn {

class Module {
 public:
  virtual ~Module() = default;

  /// The layer's computation. Throws soma::Error naming the layer on a shape mismatch.
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  /// Type name used in errors and summaries ("Dense").
  virtual std::string type_name() const = 0;

  // ---- shape inference: checking a model before any data flows (docs/models.md) ----

  /// The shape forward() returns for an input of shape `input`, computed without data.
  /// `input` includes the batch axis first and holds concrete sizes (the checks and summaries
  /// of nn/summary.h use a batch of 1). Throws soma::Error saying what the layer expected and
  /// what it got, with the arithmetic, e.g. "Dense(3136 -> 128) expects 3136 input features
  /// but receives 4608 (input [1, 4608])".
  /// The default throws "<Type> does not support shape inference": a layer opts in by
  /// overriding it (every layer of nn/ does), and a model holding a layer that does not is
  /// refused by summary() and by Graph with that message, never guessed.
  virtual Shape output_shape(const Shape& input) const;
  /// How output_shape() arrives at its result when there is arithmetic to show, e.g. Conv2d's
  /// "input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12"; empty (the default) for layers
  /// that keep the shape. Summaries and shape-error traces print it. Requires that
  /// output_shape(input) succeeds.
  virtual std::string shape_arithmetic(const Shape& input) const;
  /// Multiply-adds of one forward pass in evaluation mode over an input of shape `input` (the
  /// whole batch; call it with batch 1 for a count per sample), for summaries. The default 0
  /// suits layers without multiply-adds (activations, pooling, dropout, reshapes). Requires
  /// that output_shape(input) succeeds.
  virtual std::int64_t flops(const Shape& input) const;

  /// The layer's own name (Keras' `name`), empty unless set: summaries and error messages show
  /// it beside the layer's path, e.g. "layers.8 'fc1' (Dense)". Parameter paths are unchanged.
  const std::string& name() const { return name_; }
  /// Sets the name; throws soma::Error for an empty name or one holding '.', ' ' or quotes
  /// (a name can become part of a dotted parameter path).
  void set_name(std::string name);

  /// Trainable tensors of this module and all descendants, in registration order.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  /// Non-trainable state (e.g. batch-norm running statistics), with dotted names.
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  /// The random generators the modules draw from while training (a Dropout's masks), with
  /// dotted names ("layers.10.generator"); checkpoints save and restore their states.
  std::vector<std::pair<std::string, std::shared_ptr<Generator>>> named_generators() const;
  /// Number of trainable scalars.
  std::int64_t parameter_count() const;

  /// Sum of the weight penalties of this module and all descendants (each regularized
  /// parameter's l1 * sum|w| + l2 * sum w^2, Keras' definition), a differentiable 0-dim
  /// tensor to add to the data loss:  loss = cross_entropy(net(x), y) + net.regularization_loss();
  /// When no parameter has a regularizer: a constant 0 (not requiring grad) of the first
  /// parameter's dtype (float32 without parameters), so the sum above always works.
  Tensor regularization_loss() const;

  /// Switches this module and its descendants to training (true) or evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  /// Registers a trainable tensor (sets requires_grad) and returns it. With a regularizer,
  /// its penalty on `t` joins regularization_loss().
  Tensor register_parameter(std::string name, Tensor t, std::optional<Regularizer> regularizer = std::nullopt);
  Tensor register_buffer(std::string name, Tensor t);
  void register_module(std::string name, std::shared_ptr<Module> child);
  /// Registers a generator the module draws from during training (shared: a copy of the
  /// module draws from the same one). Returns it.
  std::shared_ptr<Generator> register_generator(std::string name, std::shared_ptr<Generator> gen);

 private:
  void collect(const std::string& prefix, bool buffers, std::vector<std::pair<std::string, Tensor>>& out) const;
  void collect_penalties(std::vector<Tensor>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Generator>>> generators_;
  std::vector<std::pair<Tensor, Regularizer>> regularized_;  // parameters with a penalty
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  std::string name_;
};

/// Puts a module tree back in the train/eval mode it had when the guard was made, when the
/// guard goes (even by a throw): fit, evaluate and predict leave the model as they found it.
class ModeGuard {
 public:
  explicit ModeGuard(Module& model) : model_(model), training_(model.is_training()) {}
  ~ModeGuard() { model_.train(training_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  Module& model_;
  bool training_;
};

/// A layer with its name set, for use inside a model's braces:
///   nn::Sequential net{nn::named("conv1", nn::Conv2d({.in = 1, .out = 32, .kernel = 3})), nn::ReLU()};
template <std::derived_from<Module> Layer>
Layer named(std::string name, Layer layer) {
  layer.set_name(std::move(name));
  return layer;
}

/// How errors and summaries show a layer found at `path` in a model: "layers.8 'fc1' (Dense)",
/// "layers.8 (Dense)" without a name, "fc1 (Dense)" when the path is the name, "Dense" (or
/// "'fc1' (Dense)") for an empty path.
std::string display_name(const std::string& path, const Module& layer);

}  // namespace soma::nn
