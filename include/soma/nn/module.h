// Module: the base of every layer and model. Holds named parameters, buffers and child
// modules, and the train/eval flag (a property of the module tree, never a global).
// Names are dotted paths, stable across runs: "layers.0.weight".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

  /// Trainable tensors of this module and all descendants, in registration order.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  /// Non-trainable state (e.g. batch-norm running statistics), with dotted names.
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
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

 private:
  void collect(const std::string& prefix, bool buffers, std::vector<std::pair<std::string, Tensor>>& out) const;
  void collect_penalties(std::vector<Tensor>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<Tensor, Regularizer>> regularized_;  // parameters with a penalty
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace soma::nn
