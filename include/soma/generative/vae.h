// Variational autoencoder (Kingma & Welling 2014): an encoder to the mean and log-variance of
// q(z|x) = N(mu, diag(exp(logvar))), the reparameterization z = mu + exp(logvar / 2) * eps
// with eps ~ N(0, 1), a decoder to Bernoulli logits of p(x|z), and the loss
//   BCE(x, decoder(z)) summed over pixels + KL(q(z|x) || N(0, 1)), averaged over the batch
// (the negative evidence lower bound). Formulas: docs/generative.md.
#pragma once

#include <cstdint>
#include <memory>

#include "soma/core/generator.h"
#include "soma/nn/dense.h"
#include "soma/nn/module.h"

namespace soma::generative {

/// z = mu + exp(logvar / 2) * eps, eps ~ N(0, 1) drawn from `gen` (one per element, row-major);
/// differentiable in mu and logvar. Throws soma::Error when the shapes or dtypes differ.
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen);

/// KL(N(mu, exp(logvar)) || N(0, 1)) = -1/2 Σ (1 + logvar - mu² - exp(logvar)), summed over the
/// latent axis and averaged over the batch (mu, logvar [N, latent]) -> a 0-dim tensor.
/// Throws soma::Error when mu is not 2-D or the shapes differ.
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);

/// The VAE loss on logits [N, D] and targets x [N, D] in [0, 1]:
/// binary_cross_entropy_with_logits summed over D, averaged over N, plus gaussian_kl(mu, logvar).
Tensor vae_loss(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar);

struct VaeOptions {
  std::int64_t input = 784;   ///< features of x
  std::int64_t hidden = 400;  ///< units of the encoder's and decoder's hidden layer
  std::int64_t latent = 20;   ///< size of z
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

}  // namespace soma::generative
