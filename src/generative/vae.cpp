// Vae: the reparameterization trick, the Gaussian KL term and a dense encoder/decoder, all
// from differentiable ops, so backward() trains both halves through the sample.
#include "soma/generative/vae.h"

#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma::generative {

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen) {
  SOMA_CHECK(mu.shape() == logvar.shape() && mu.dtype() == logvar.dtype(),
             "reparameterize: mu and logvar must have one shape and dtype, got ", mu.shape(), " ",
             name_of(mu.dtype()), " and ", logvar.shape(), " ", name_of(logvar.dtype()));
  const Tensor eps = normal(mu.shape(), 0, 1, gen, mu.dtype());
  return mu + exp(logvar * 0.5) * eps;
}

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  SOMA_CHECK(mu.dim() == 2 && mu.shape() == logvar.shape(), "gaussian_kl: expects mu and logvar [N, latent] of one shape, got ",
             mu.shape(), " and ", logvar.shape());
  const Tensor terms = (logvar + 1.0) - mu * mu - exp(logvar);
  return sum(terms) * (-0.5 / double(mu.size(0)));
}

Tensor vae_loss(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar) {
  SOMA_CHECK(logits.dim() == 2 && logits.shape() == x.shape(), "vae_loss: expects logits and x [N, D] of one shape, got ",
             logits.shape(), " and ", x.shape());
  const Tensor reconstruction = binary_cross_entropy_with_logits(logits, x, Reduction::sum) * (1.0 / double(x.size(0)));
  return reconstruction + gaussian_kl(mu, logvar);
}

Vae::Vae(const VaeOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.input > 0 && options.hidden > 0 && options.latent > 0,
             "Vae: input, hidden and latent must be positive, got ", options.input, ", ", options.hidden, ", ",
             options.latent);
  enc_hidden_ = std::make_shared<nn::Dense>(options.input, options.hidden, gen);
  enc_out_ = std::make_shared<nn::Dense>(options.hidden, 2 * options.latent, gen);
  dec_hidden_ = std::make_shared<nn::Dense>(options.latent, options.hidden, gen);
  dec_out_ = std::make_shared<nn::Dense>(options.hidden, options.input, gen);
  register_module("encoder_hidden", enc_hidden_);
  register_module("encoder_out", enc_out_);
  register_module("decoder_hidden", dec_hidden_);
  register_module("decoder_out", dec_out_);
}

Vae::Encoding Vae::encode(const Tensor& x) {
  SOMA_CHECK(x.dim() == 2 && x.size(1) == options_.input, "Vae(", options_.input, " -> ", options_.latent,
             "): expects x [N, ", options_.input, "] but receives shape ", x.shape());
  const Tensor out = (*enc_out_)(relu((*enc_hidden_)(x)));
  return {slice(out, 1, 0, options_.latent), slice(out, 1, options_.latent, 2 * options_.latent)};
}

Tensor Vae::decode(const Tensor& z) {
  SOMA_CHECK(z.dim() == 2 && z.size(1) == options_.latent, "Vae decode: expects z [N, ", options_.latent,
             "] but receives shape ", z.shape());
  return (*dec_out_)(relu((*dec_hidden_)(z)));
}

Vae::Output Vae::run(const Tensor& x, Generator& gen) {
  const Encoding e = encode(x);
  return {decode(reparameterize(e.mu, e.logvar, gen)), e.mu, e.logvar};
}

Tensor Vae::forward(const Tensor& x) { return decode(encode(x).mu); }

}  // namespace soma::generative
