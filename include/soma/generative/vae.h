// Variational autoencoder (Kingma & Welling 2014): an encoder to the mean and log-variance of
// q(z|x) = N(mu, diag(exp(logvar))), the reparameterization z = mu + exp(logvar / 2) * eps
// with eps ~ N(0, 1), a decoder to Bernoulli logits of p(x|z), and the loss
//   BCE(x, decoder(z)) summed over pixels + KL(q(z|x) || N(0, 1)), averaged over the batch
// (the negative evidence lower bound). Formulas: docs/generative.md.
#pragma once

#include <cstdint>
#include <memory>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/nn/dense.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/learner.h"

namespace soma::generative {

/// z = mu + exp(logvar / 2) * eps, eps ~ N(0, 1) drawn from `gen` (one per element, row-major);
/// differentiable in mu and logvar. Throws soma::Error when the shapes or dtypes differ.
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen);

/// KL(N(mu, exp(logvar)) || N(0, 1)) = -1/2 Σ (1 + logvar - mu² - exp(logvar)), summed over the
/// latent axis and averaged over the batch (mu, logvar [N, latent]) -> a 0-dim tensor.
/// Throws soma::Error when mu is not 2-D or the shapes differ.
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);

/// The two terms of the VAE loss, 0-dim tensors.
struct VaeLossTerms {
  Tensor reconstruction;  ///< binary_cross_entropy_with_logits(logits, x) summed over D, averaged over N
  Tensor kl;              ///< gaussian_kl(mu, logvar)
};

/// The VAE loss's terms on logits [N, D] and targets x [N, D] in [0, 1]. Throws soma::Error
/// when logits and x are not [N, D] of one shape.
VaeLossTerms vae_loss_terms(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar);

/// The VAE loss: vae_loss_terms' reconstruction + kl.
Tensor vae_loss(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar);

struct VaeOptions {
  std::int64_t input = 784;   ///< features of x
  std::int64_t hidden = 400;  ///< units of the encoder's and decoder's hidden layer
  std::int64_t latent = 20;   ///< size of z
  DType dtype = DType::f32;   ///< dtype of every layer's parameters
};

/// Dense VAE: encoder input -> hidden (ReLU) -> 2 x latent (mu, logvar); decoder latent ->
/// hidden (ReLU) -> input logits. Layers initialized as nn::Dense, from `gen`.
///   generative::Vae vae({.input = 784, .hidden = 400, .latent = 20});
///   auto out = vae.run(x, gen);  Tensor loss = generative::vae_loss(out.logits, x, out.mu, out.logvar);
/// Throws soma::Error for a size <= 0 and (in encode/run/forward) for x whose last axis is not `input`.
class Vae : public nn::Module {
 public:
  explicit Vae(const VaeOptions& options = {}, Generator& gen = default_generator());

  struct Encoding {
    Tensor mu, logvar;  ///< [N, latent] each
  };
  struct Output {
    Tensor logits, mu, logvar;  ///< logits [N, input] of p(x|z), z sampled by reparameterize
  };

  Encoding encode(const Tensor& x);
  /// Logits of p(x|z) for z [N, latent]; sigmoid gives pixel probabilities.
  Tensor decode(const Tensor& z);
  /// Encode, sample z, decode: what the loss needs.
  Output run(const Tensor& x, Generator& gen);
  /// Deterministic reconstruction logits: decode(mu(x)).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Vae"; }
  const VaeOptions& options() const { return options_; }

 private:
  VaeOptions options_;
  std::shared_ptr<nn::Dense> enc_hidden_, enc_out_, dec_hidden_, dec_out_;
};

struct VaeLearnerOptions {
  std::uint64_t seed = 0;     ///< the reparameterization noise and (a stream of its own) the fixed sample z
  std::int64_t samples = 64;  ///< images in each epoch's grid, decoded from one fixed z batch
  Shape image_shape = {};     ///< one example as [C, H, W] for the grid; empty: no grid
};

/// Trains a Vae (which, with its optimizer, must outlive the learner) under train::Loop:
///   generative::VaeLearner learner(vae, opt, {.seed = 1, .image_shape = {1, 28, 28}});
///   train::Loop(learner).fit(images, {.epochs = 10, .batch_size = 128});
/// A batch's x [N, ...] in [0, 1] is taken as rows [N, input]; y is ignored. Values: "loss" =
/// "reconstruction" + "kl" (vae_loss_terms, z sampled from the learner's generator "noise").
/// evaluate_step gives the same with z = mu (no draws). Throws soma::Error when a batch does
/// not hold `input` values per example.
class VaeLearner : public train::Learner {
 public:
  VaeLearner(Vae& vae, optim::Optimizer& optimizer, VaeLearnerOptions options = {});

  std::string name() const override { return "vae"; }
  /// Encode, sample z from the learner's generator, decode; descends reconstruction + kl.
  train::StepResult train_step(const data::Batch& batch) override;
  /// The same values with z = mu: no draws.
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return vae_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&opt_}; }
  std::vector<std::pair<std::string, Generator*>> generators() override { return {{"noise", &gen_}}; }
  /// events.images("samples", epoch, sigmoid(decode(fixed z)), 0, 1) when image_shape is set.
  void report_epoch(train::EventStream& events, std::int64_t epoch) override;

  /// Pixel probabilities sigmoid(decode(z)) for the fixed z, [samples, image_shape...] (or
  /// [samples, input] without an image_shape); no gradients.
  Tensor sample_fixed();

 private:
  Tensor rows(const Tensor& x) const;
  train::StepResult result(const VaeLossTerms& terms, std::int64_t n) const;

  Vae& vae_;
  optim::Optimizer& opt_;
  VaeLearnerOptions options_;
  Generator gen_;
  Tensor fixed_z_;
};

}  // namespace soma::generative
