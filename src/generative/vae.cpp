// Vae: the reparameterization trick, the Gaussian KL term and a dense encoder/decoder, all
// from differentiable ops, so backward() trains both halves through the sample; and
// VaeLearner, its step for train::Loop.
#include "soma/generative/vae.h"

#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/train/events.h"

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

VaeLossTerms vae_loss_terms(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar) {
  SOMA_CHECK(logits.dim() == 2 && logits.shape() == x.shape(), "vae_loss: expects logits and x [N, D] of one shape, got ",
             logits.shape(), " and ", x.shape());
  return {binary_cross_entropy_with_logits(logits, x, Reduction::sum) * (1.0 / double(x.size(0))),
          gaussian_kl(mu, logvar)};
}

Tensor vae_loss(const Tensor& logits, const Tensor& x, const Tensor& mu, const Tensor& logvar) {
  const VaeLossTerms terms = vae_loss_terms(logits, x, mu, logvar);
  return terms.reconstruction + terms.kl;
}

Vae::Vae(const VaeOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.input > 0 && options.hidden > 0 && options.latent > 0,
             "Vae: input, hidden and latent must be positive, got ", options.input, ", ", options.hidden, ", ",
             options.latent);
  enc_hidden_ = std::make_shared<nn::Dense>(nn::DenseOptions{.in = options.input, .out = options.hidden, .dtype = options.dtype}, gen);
  enc_out_ = std::make_shared<nn::Dense>(nn::DenseOptions{.in = options.hidden, .out = 2 * options.latent, .dtype = options.dtype}, gen);
  dec_hidden_ = std::make_shared<nn::Dense>(nn::DenseOptions{.in = options.latent, .out = options.hidden, .dtype = options.dtype}, gen);
  dec_out_ = std::make_shared<nn::Dense>(nn::DenseOptions{.in = options.hidden, .out = options.input, .dtype = options.dtype}, gen);
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

VaeLearner::VaeLearner(Vae& vae, optim::Optimizer& optimizer, VaeLearnerOptions options)
    : vae_(vae), opt_(optimizer), options_(std::move(options)), gen_(options_.seed) {
  SOMA_CHECK(options_.samples > 0, "VaeLearner: samples must be > 0, got ", options_.samples);
  SOMA_CHECK(options_.image_shape.dim() == 0 || options_.image_shape.numel() == vae.options().input,
             "VaeLearner: image_shape ", options_.image_shape, " must hold the ", vae.options().input,
             " input features, it holds ", options_.image_shape.numel());
  // The fixed z comes from its own stream, so it does not depend on how training draws.
  Generator fixed(options_.seed ^ 0x9e3779b97f4a7c15ULL);
  const DType dtype = vae.parameters().front().dtype();
  fixed_z_ = normal({options_.samples, vae.options().latent}, 0, 1, fixed, dtype);
}

Tensor VaeLearner::rows(const Tensor& x) const {
  const std::int64_t input = vae_.options().input;
  SOMA_CHECK(x.defined() && x.dim() >= 1 && x.size(0) > 0 && x.numel() == x.size(0) * input,
             "VaeLearner: expects batches of ", input, " values per example (the Vae's input), got ",
             x.defined() ? x.shape() : Shape{});
  const Tensor v = reshape(x, {x.size(0), input});
  return v.dtype() == fixed_z_.dtype() ? v : v.to(fixed_z_.dtype());
}

train::StepResult VaeLearner::result(const VaeLossTerms& terms, std::int64_t n) const {
  train::StepResult out;
  out.examples = n;
  const double reconstruction = terms.reconstruction.item(), kl = terms.kl.item();
  out.values = {{"loss", reconstruction + kl}, {"reconstruction", reconstruction}, {"kl", kl}};
  return out;
}

train::StepResult VaeLearner::train_step(const data::Batch& batch) {
  const Tensor x = rows(batch.x);
  const Vae::Output o = vae_.run(x, gen_);
  const VaeLossTerms terms = vae_loss_terms(o.logits, x, o.mu, o.logvar);
  Tensor loss = terms.reconstruction + terms.kl;
  loss.backward();
  apply_step(opt_);
  return result(terms, x.size(0));
}

train::StepResult VaeLearner::evaluate_step(const data::Batch& batch) {
  const Tensor x = rows(batch.x);
  const Vae::Encoding e = vae_.encode(x);
  return result(vae_loss_terms(vae_.decode(e.mu), x, e.mu, e.logvar), x.size(0));
}

Tensor VaeLearner::sample_fixed() {
  NoGradGuard no_grad;
  Tensor p = sigmoid(vae_.decode(fixed_z_));
  if (options_.image_shape.dim() == 0) return p;
  Shape shape{p.size(0)};
  for (std::int64_t d : options_.image_shape) shape.push_back(d);
  return reshape(p, shape);
}

void VaeLearner::report_epoch(train::EventStream& events, std::int64_t epoch) {
  if (options_.image_shape.dim() > 0) events.images("samples", epoch, sample_fixed(), 0, 1);
}

}  // namespace soma::generative
