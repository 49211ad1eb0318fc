// Rbm: a Bernoulli–Bernoulli restricted Boltzmann machine trained by contrastive divergence
// (CD-k) or persistent CD. Energy E(v, h) = -a·v - b·h - vᵀW h, so
//   p(h = 1 | v) = sigmoid(b + v W),   p(v = 1 | h) = sigmoid(a + h Wᵀ).
// Visible entries < 0 (-1 by convention) are missing: they stay out of p(h|v) and out of
// every update, as in the collaborative-filtering RBM (docs/generative.md).
// Formulas, the order of the random draws and the update rule: docs/generative.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::generative {

struct RbmOptions {
  std::int64_t visible = 0;  ///< visible units (required, > 0)
  std::int64_t hidden = 0;   ///< hidden units (required, > 0)
  double lr = 0.01;          ///< learning rate of the CD update
  double momentum = 0;       ///< velocity = momentum * velocity + lr * (gradient - weight_decay * W)
  double weight_decay = 0;   ///< L2 pull of W toward 0 (biases are not decayed)
  int k = 1;                 ///< Gibbs steps of the negative phase (CD-k)
  bool persistent = false;   ///< persistent CD: the negative chain continues across batches
  DType dtype = DType::f32;  ///< dtype of W, a and b
};

/// What one training step saw.
struct RbmStep {
  /// Mean over the batch's observed entries of (v0 - p(v | h0))², h0 ~ p(h | v0): the error
  /// of the chain's first reconstruction.
  double reconstruction_error = 0;
};

/// Restricted Boltzmann machine. W [visible, hidden] ~ N(0, 0.01²) from `gen`, a = b = 0
/// (Hinton's "practical guide"). As an nn::Module its parameters are "weight", "visible_bias"
/// and "hidden_bias", and forward(v) = p(h | v): the hidden features for another model,
/// differentiable, so an RBM can start a Sequential and be fine-tuned.
///   generative::Rbm rbm({.visible = 784, .hidden = 256});
///   Generator gen(0);  for (...) rbm.step(batch, gen);
/// Throws soma::Error for visible or hidden <= 0, k < 1, lr <= 0, momentum outside [0, 1),
/// weight_decay < 0, or a dtype other than float32/float64.
class Rbm : public nn::Module {
 public:
  explicit Rbm(const RbmOptions& options, Generator& gen = default_generator());

  /// p(h | v) = sigmoid(b + v W) for v [N, visible] -> [N, hidden]; missing entries count as 0.
  Tensor forward(const Tensor& v) override;
  std::string type_name() const override { return "Rbm"; }
  /// forward's shape: [N, visible] -> [N, hidden]; throws naming the layer otherwise.
  Shape output_shape(const Shape& input) const override;
  /// visible * hidden per row, as a Dense layer (the sigmoid and bias are not counted).
  std::int64_t flops(const Shape& input) const override;

  /// p(h = 1 | v), [N, visible] -> [N, hidden], outside autograd. Missing entries count as 0.
  Tensor hidden_probs(const Tensor& v) const;
  /// p(v = 1 | h), [N, hidden] -> [N, visible], outside autograd.
  Tensor visible_probs(const Tensor& h) const;
  /// Hidden features for other models: hidden_probs(v).
  Tensor transform(const Tensor& v) const { return hidden_probs(v); }
  /// Mean-field reconstruction p(v | p(h | v)), [N, visible] -> [N, visible].
  Tensor reconstruct(const Tensor& v) const;
  /// k full Gibbs steps from v [N, visible]: h ~ p(h|v), v ~ p(v|h), k times; returns the last
  /// binary v. Missing entries of the start stay missing (-1) in the result.
  Tensor gibbs(const Tensor& v, int k, Generator& gen) const;
  /// F(v) = -a·v - Σ_j log(1 + exp(b_j + (v W)_j)), so p(v) = exp(-F(v)) / Z; [N, visible] -> [N].
  /// Missing entries count as 0.
  Tensor free_energy(const Tensor& v) const;
  /// E(v, h) = -a·v - b·h - vᵀW h for v [N, visible] and h [N, hidden] of values in [0, 1]
  /// -> [N], so p(v, h) = exp(-E(v, h)) / Z (log Z: rbm_likelihood.h). Throws soma::Error for
  /// shapes, dtypes or values that are not those (no missing entries here).
  Tensor energy(const Tensor& v, const Tensor& h) const;
  /// Mean over observed entries of (v - reconstruct(v))²; no random draws.
  double reconstruction_error(const Tensor& v) const;

  /// One CD-k (or persistent CD) update on a batch v0 [N, visible] of values in [0, 1] or -1
  /// (missing), drawing from `gen` in the order docs/generative.md gives:
  ///   ΔW = (v0ᵀ p(h0|v0) - vkᵀ p(hk|vk)) / N,  Δa = Σ(v0 - vk) / N,  Δb = Σ(p(h0|v0) - p(hk|vk)) / N
  /// over observed entries. Persistent CD keeps the chain's last visible sample: the first
  /// batch starts it, and its size bounds later batches. Throws soma::Error for a bad shape,
  /// a value outside [0, 1] other than -1, missing entries with persistent CD, or a batch
  /// larger than the persistent chain.
  RbmStep step(const Tensor& v0, Generator& gen);

  /// Forgets the persistent chain and the momentum (a fresh start of training).
  void reset_training_state();
  /// What an exact resume needs besides the parameters: "chain" (persistent CD's particles)
  /// and "weight_velocity", "visible_velocity", "hidden_velocity" (momentum), each only once
  /// training has created it.
  std::map<std::string, Tensor> training_state() const;
  /// Restores training_state(); absent entries start fresh. Throws soma::Error for an entry of
  /// the wrong shape or dtype, or an unknown key.
  void load_training_state(const std::map<std::string, Tensor>& state);

  const RbmOptions& options() const { return options_; }
  const Tensor& weight() const { return weight_; }              ///< W [visible, hidden]
  const Tensor& visible_bias() const { return visible_bias_; }  ///< a [visible]
  const Tensor& hidden_bias() const { return hidden_bias_; }    ///< b [hidden]

 private:
  void check_batch(const Tensor& v, const char* what, bool allow_missing) const;

  RbmOptions options_;
  Tensor weight_, visible_bias_, hidden_bias_;
  Tensor weight_velocity_, visible_velocity_, hidden_velocity_;  // momentum, allocated on first use
  Tensor chain_;                                                 // persistent CD's fantasy particles
};

}  // namespace soma::generative
