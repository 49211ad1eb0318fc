// GanLearner: alternating discriminator and generator steps with the losses of gan.h, built
// from binary_cross_entropy so both players backpropagate through ordinary ops. The loop around
// the steps (epochs, shuffling, logging, sample grids, checkpoints) is train::Loop's.
#include "soma/generative/gan.h"

#include <span>

#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/nn/init.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/train/callback.h"
#include "soma/train/events.h"

namespace soma::generative {
namespace {

Shape with_batch(std::int64_t n, const Shape& per_example) {
  Shape s{n};
  for (std::int64_t d : per_example) s.push_back(d);
  return s;
}

Shape per_example(const Shape& s) {
  return Shape(std::span<const std::int64_t>(s.begin() + 1, s.end()));
}

// The one module tree a GAN trains: G and D as children (not owned: the learner's caller owns
// them). forward(z) = G(z).
class Players : public nn::Module {
 public:
  Players(nn::Module& g, nn::Module& d) : g_(g) {
    // Aliasing shared_ptrs with no owner: the children are referenced, never deleted.
    register_module("generator", std::shared_ptr<nn::Module>(std::shared_ptr<nn::Module>(), &g));
    register_module("discriminator", std::shared_ptr<nn::Module>(std::shared_ptr<nn::Module>(), &d));
  }
  Tensor forward(const Tensor& z) override { return g_(z); }
  std::string type_name() const override { return "Gan"; }

 private:
  nn::Module& g_;
};

}  // namespace

void dcgan_init(nn::Module& model, Generator& gen) {
  for (auto& [name, p] : model.named_parameters()) {
    if (p.dim() > 1) nn::init::normal_(p, 0.0, 0.02, gen);
    else if (name.ends_with("weight")) nn::init::normal_(p, 1.0, 0.02, gen);
  }
}

GanLearner::GanLearner(nn::Module& generator, nn::Module& discriminator, optim::Optimizer& g_optimizer,
                       optim::Optimizer& d_optimizer, GanOptions options)
    : g_(generator), d_(discriminator), g_opt_(g_optimizer), d_opt_(d_optimizer), options_(std::move(options)),
      model_(std::make_shared<Players>(generator, discriminator)), gen_(options_.seed) {
  SOMA_CHECK(options_.noise_shape.dim() >= 1 && options_.noise_shape.numel() > 0,
             "GanLearner: noise_shape must have at least one axis and no zero size, got ", options_.noise_shape);
  SOMA_CHECK(options_.d_steps > 0, "GanLearner: d_steps (k) must be > 0, got ", options_.d_steps);
  SOMA_CHECK(options_.samples > 0, "GanLearner: samples must be > 0, got ", options_.samples);
  const auto params = generator.parameters();
  if (!params.empty()) noise_dtype_ = params.front().dtype();
  // The fixed batch comes from its own stream, so it does not depend on how training draws.
  Generator fixed(options_.seed ^ 0x9e3779b97f4a7c15ULL);
  std::swap(gen_, fixed);
  fixed_noise_ = noise(options_.samples);
  std::swap(gen_, fixed);
}

Tensor GanLearner::noise(std::int64_t n) {
  SOMA_CHECK(n > 0, "GanLearner: noise needs a batch size > 0, got ", n);
  const Shape shape = with_batch(n, options_.noise_shape);
  return options_.noise == GanNoise::normal ? normal(shape, 0, 1, gen_, noise_dtype_)
                                            : uniform(shape, -1, 1, gen_, noise_dtype_);
}

Tensor GanLearner::generate(const Tensor& z) {
  SOMA_CHECK(z.dim() >= 1 && per_example(z.shape()) == options_.noise_shape,
             "GanLearner: the noise must be [N, ...] with each z of shape ", options_.noise_shape, ", got ", z.shape());
  return g_(z);
}

// D's output as one probability per example, [N]; `what` says whose batch it judged.
Tensor GanLearner::discriminate(const Tensor& x, const char* what) {
  Tensor p;
  try {
    p = d_(x);
  } catch (const Error& e) {
    throw Error(std::string("GanLearner: the discriminator (") + d_.type_name() + ") cannot take " + what + " " +
                x.shape().str() + ": " + e.what());
  }
  const std::int64_t n = x.size(0);
  SOMA_CHECK(p.numel() == n && p.dim() >= 1 && p.size(0) == n,
             "GanLearner: the discriminator must give one probability per example ([", n, ", 1] or [", n, "]) for ",
             what, " ", x.shape(), ", got ", p.shape());
  return reshape(p, {n});
}

GanStep GanLearner::discriminator_step(const Tensor& real, const Tensor& z) {
  SOMA_CHECK(real.defined() && real.dim() >= 1 && real.size(0) > 0,
             "GanLearner: the real batch must be [N, ...] with N > 0, got ", real.defined() ? real.shape() : Shape{});
  Tensor fake;
  {
    NoGradGuard no_grad;  // D's step does not train G
    fake = generate(z);
  }
  SOMA_CHECK(per_example(fake.shape()) == per_example(real.shape()), "GanLearner: the generator's output ",
             fake.shape(), " does not match the real batch ", real.shape(), " (one example each)");
  const Tensor p_real = discriminate(real, "the real batch");
  const Tensor p_fake = discriminate(fake.to(real.dtype()), "the generator's output");
  // -(mean log D(x) + mean log(1 - D(G(z)))) as two cross entropies against 1 and 0.
  Tensor loss = binary_cross_entropy(p_real, ones_like(p_real)) + binary_cross_entropy(p_fake, zeros_like(p_fake));
  loss.backward();
  apply_step(d_opt_);
  ++d_steps_taken_;
  return {.d_loss = loss.item(), .g_loss = 0, .d_real = mean(p_real).item(), .d_fake = mean(p_fake).item()};
}

GanStep GanLearner::generator_step(const Tensor& z) {
  const Tensor fake = generate(z);
  const Tensor p_fake = discriminate(fake, "the generator's output");
  // minimax: mean log(1 - p) = -BCE(p, 0); non-saturating: -mean log p = BCE(p, 1).
  Tensor loss = options_.generator_loss == GanLoss::minimax ? -binary_cross_entropy(p_fake, zeros_like(p_fake))
                                                            : binary_cross_entropy(p_fake, ones_like(p_fake));
  loss.backward();
  apply_step(g_opt_);
  d_opt_.zero_grad();  // backward reached D's parameters too; D does not learn from G's loss
  ++g_steps_taken_;
  return {.d_loss = 0, .g_loss = loss.item(), .d_real = 0, .d_fake = mean(p_fake).item()};
}

train::StepResult GanLearner::train_step(const data::Batch& batch) {
  const GanStep d = discriminator_step(batch.x);
  train::StepResult out;
  out.examples = batch.x.size(0);
  out.values = {{"d_loss", d.d_loss}, {"d_real", d.d_real}, {"d_fake", d.d_fake}};
  if (++since_g_step_ == options_.d_steps) {
    since_g_step_ = 0;
    last_g_loss_ = generator_step(out.examples).g_loss;
  }
  // Every step reports the latest G loss, so an epoch's mean weighs each step alike (with
  // k > 1 most steps take no G step); before the first G step there is none to report.
  if (g_steps_taken_ > 0) out.values["g_loss"] = last_g_loss_;
  return out;
}

train::StepResult GanLearner::evaluate_step(const data::Batch& batch) {
  SOMA_CHECK(batch.x.defined() && batch.x.dim() >= 1 && batch.x.size(0) > 0,
             "GanLearner: the batch must be [N, ...] with N > 0, got ", batch.x.defined() ? batch.x.shape() : Shape{});
  train::StepResult out;
  out.examples = batch.x.size(0);
  out.values = {{"d_real", mean(discriminate(batch.x, "the batch")).item()}};
  return out;
}

std::map<std::string, Tensor> GanLearner::state_dict() const {
  return {{"d_steps_taken", train::detail::state_count(d_steps_taken_)},
          {"g_steps_taken", train::detail::state_count(g_steps_taken_)},
          {"since_g_step", train::detail::state_count(since_g_step_)},
          {"last_g_loss", train::detail::state_value(last_g_loss_)}};
}

void GanLearner::load_state_dict(const std::map<std::string, Tensor>& state) {
  d_steps_taken_ = std::int64_t(train::detail::read_value(state, "d_steps_taken", "GanLearner"));
  g_steps_taken_ = std::int64_t(train::detail::read_value(state, "g_steps_taken", "GanLearner"));
  since_g_step_ = std::int64_t(train::detail::read_value(state, "since_g_step", "GanLearner"));
  last_g_loss_ = train::detail::read_value(state, "last_g_loss", "GanLearner");
  SOMA_CHECK(since_g_step_ >= 0 && since_g_step_ < options_.d_steps, "GanLearner: since_g_step must be in [0, ",
             options_.d_steps, ") (d_steps), the state has ", since_g_step_);
}

Tensor GanLearner::sample_fixed() {
  NoGradGuard no_grad;
  Tensor images = generate(fixed_noise_);
  if (options_.image_shape.dim() > 0) images = reshape(images, with_batch(images.size(0), options_.image_shape));
  return images;
}

void GanLearner::report_epoch(train::EventStream& events, std::int64_t epoch) {
  events.images("samples", epoch, sample_fixed(), -1, 1);
}

}  // namespace soma::generative
