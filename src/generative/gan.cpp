// GanTrainer: alternating discriminator and generator steps with the losses of gan.h, built
// from binary_cross_entropy so both players backpropagate through ordinary ops.
#include "soma/generative/gan.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <span>

#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/io/image.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

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

}  // namespace

GanTrainer::GanTrainer(nn::Module& generator, nn::Module& discriminator, optim::Optimizer& g_optimizer,
                       optim::Optimizer& d_optimizer, GanOptions options)
    : g_(generator), d_(discriminator), g_opt_(g_optimizer), d_opt_(d_optimizer), options_(std::move(options)),
      gen_(options_.seed) {
  SOMA_CHECK(options_.noise_shape.dim() >= 1 && options_.noise_shape.numel() > 0,
             "GanTrainer: noise_shape must have at least one axis and no zero size, got ", options_.noise_shape);
  SOMA_CHECK(options_.batch_size > 0, "GanTrainer: batch_size must be > 0, got ", options_.batch_size);
  SOMA_CHECK(options_.d_steps > 0, "GanTrainer: d_steps (k) must be > 0, got ", options_.d_steps);
  SOMA_CHECK(options_.samples > 0, "GanTrainer: samples must be > 0, got ", options_.samples);
  // The fixed batch comes from its own stream, so it does not depend on how training draws.
  Generator fixed(options_.seed ^ 0x9e3779b97f4a7c15ULL);
  std::swap(gen_, fixed);
  fixed_noise_ = noise(options_.samples);
  std::swap(gen_, fixed);
}

Tensor GanTrainer::noise(std::int64_t n) {
  SOMA_CHECK(n > 0, "GanTrainer: noise needs a batch size > 0, got ", n);
  const Shape shape = with_batch(n, options_.noise_shape);
  return options_.noise == GanNoise::normal ? normal(shape, 0, 1, gen_) : uniform(shape, -1, 1, gen_);
}

Tensor GanTrainer::generate(const Tensor& z) {
  SOMA_CHECK(z.dim() >= 1 && per_example(z.shape()) == options_.noise_shape, "GanTrainer: the noise must be [N, ...] with each z of shape ",
             options_.noise_shape, ", got ", z.shape());
  return g_(z);
}

// D's output as one probability per example, [N]; `what` says whose batch it judged.
Tensor GanTrainer::discriminate(const Tensor& x, const char* what) {
  Tensor p;
  try {
    p = d_(x);
  } catch (const Error& e) {
    throw Error(std::string("GanTrainer: the discriminator (") + d_.type_name() + ") cannot take " + what + " " +
                x.shape().str() + ": " + e.what());
  }
  const std::int64_t n = x.size(0);
  SOMA_CHECK(p.numel() == n && p.dim() >= 1 && p.size(0) == n, "GanTrainer: the discriminator must give one probability per example ([",
             n, ", 1] or [", n, "]) for ", what, " ", x.shape(), ", got ", p.shape());
  return reshape(p, {n});
}

GanStep GanTrainer::discriminator_step(const Tensor& real, const Tensor& z) {
  SOMA_CHECK(real.dim() >= 1 && real.size(0) > 0, "GanTrainer: the real batch must be [N, ...] with N > 0, got ",
             real.shape());
  Tensor fake;
  {
    NoGradGuard no_grad;  // D's step does not train G
    fake = generate(z);
  }
  SOMA_CHECK(per_example(fake.shape()) == per_example(real.shape()),
             "GanTrainer: the generator's output ", fake.shape(), " does not match the real batch ", real.shape(),
             " (one example each)");
  const Tensor p_real = discriminate(real, "the real batch");
  const Tensor p_fake = discriminate(fake.to(real.dtype()), "the generator's output");
  // -(mean log D(x) + mean log(1 - D(G(z)))) as two cross entropies against 1 and 0.
  Tensor loss = binary_cross_entropy(p_real, ones_like(p_real)) + binary_cross_entropy(p_fake, zeros_like(p_fake));
  d_opt_.zero_grad();
  loss.backward();
  d_opt_.step();
  ++d_steps_taken_;
  return {.d_loss = loss.item(), .g_loss = 0, .d_real = mean(p_real).item(), .d_fake = mean(p_fake).item()};
}

GanStep GanTrainer::generator_step(const Tensor& z) {
  const Tensor fake = generate(z);
  const Tensor p_fake = discriminate(fake, "the generator's output");
  // minimax: mean log(1 - p) = -BCE(p, 0); non-saturating: -mean log p = BCE(p, 1).
  Tensor loss = options_.generator_loss == GanLoss::minimax ? -binary_cross_entropy(p_fake, zeros_like(p_fake))
                                                            : binary_cross_entropy(p_fake, ones_like(p_fake));
  g_opt_.zero_grad();
  loss.backward();
  g_opt_.step();
  ++g_steps_taken_;
  return {.d_loss = 0, .g_loss = loss.item(), .d_real = 0, .d_fake = mean(p_fake).item()};
}

Tensor GanTrainer::sample_fixed() {
  NoGradGuard no_grad;
  return generate(fixed_noise_);
}

std::vector<GanEpoch> GanTrainer::fit(const Tensor& data, int epochs) {
  SOMA_CHECK(data.dim() >= 1 && data.size(0) > 0, "GanTrainer::fit: data must be [N, ...] with N > 0, got ",
             data.shape());
  SOMA_CHECK(epochs >= 0, "GanTrainer::fit: epochs must be >= 0, got ", epochs);
  std::vector<GanEpoch> history;
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t n = data.size(0);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::iota(order.begin(), order.end(), std::int64_t{0});
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen_.below(std::uint64_t(i + 1))]);
    GanEpoch e{.epoch = epoch};
    int since_g = 0;
    for (std::int64_t first = 0; first < n; first += options_.batch_size) {
      const std::int64_t b = std::min(options_.batch_size, n - first);
      const Tensor real = index_select(data, from_data(std::span<const std::int64_t>(order.data() + first, b), {b}));
      const GanStep d = discriminator_step(real);
      e.d_loss += d.d_loss, e.d_real += d.d_real, e.d_fake += d.d_fake, ++e.d_steps;
      if (++since_g == options_.d_steps) {
        since_g = 0;
        e.g_loss += generator_step(options_.batch_size).g_loss;
        ++e.g_steps;
      }
    }
    e.d_loss /= double(e.d_steps), e.d_real /= double(e.d_steps), e.d_fake /= double(e.d_steps);
    if (e.g_steps > 0) e.g_loss /= double(e.g_steps);
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(e);
    std::string saved;
    if (!options_.sample_dir.empty()) {
      Tensor images = sample_fixed();
      if (options_.image_shape.dim() > 0) images = reshape(images, with_batch(images.size(0), options_.image_shape));
      saved = options_.sample_dir + "/" + options_.sample_prefix + "_epoch_" + std::to_string(epoch) + ".png";
      io::save_image_grid(saved, images, {.nrow = 8, .pad_value = 1, .value_range = {{-1, 1}}});
    }
    if (options_.print) {
      std::printf("epoch %d/%d: D loss %.4f, G loss %.4f, D(x) %.3f, D(G(z)) %.3f, %lld D / %lld G steps, %.1f s%s%s\n",
                  epoch, epochs, e.d_loss, e.g_loss, e.d_real, e.d_fake, static_cast<long long>(e.d_steps),
                  static_cast<long long>(e.g_steps), e.seconds, saved.empty() ? "" : ", ", saved.c_str());
      std::fflush(stdout);
    }
  }
  return history;
}

}  // namespace soma::generative
