// Generative adversarial networks (Goodfellow et al. 2014) as a train::Learner: any generator G
// (noise z -> samples) and discriminator D (samples -> probability of "real", shape [N, 1] or
// [N]), each with its own optimizer, trained by train::Loop like any other learner. With
// p_real = D(x) and p_fake = D(G(z)), means over the batch:
//   D descends  L_D = -(mean log p_real + mean log(1 - p_fake))       (ascends the lecture's objective)
//   G descends  L_G = mean log(1 - p_fake)                             (GanLoss::minimax)
//            or L_G = -mean log p_fake                                 (GanLoss::non_saturating, the default)
// The logs are binary_cross_entropy's (clamped at -100, as PyTorch). Formulas: docs/generative.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/train/learner.h"

namespace soma::generative {

enum class GanLoss { minimax, non_saturating };
enum class GanNoise { normal, uniform };  ///< z ~ N(0, 1) or U(-1, 1)

struct GanOptions {
  Shape noise_shape = {100};  ///< shape of one z (G's input without the batch axis)
  int d_steps = 1;            ///< k: discriminator steps (batches) per generator step
  GanLoss generator_loss = GanLoss::non_saturating;
  GanNoise noise = GanNoise::normal;
  std::uint64_t seed = 0;     ///< the training noise and (through a stream of its own) the fixed sample noise
  std::int64_t samples = 64;  ///< images in each epoch's grid (from one fixed noise batch)
  Shape image_shape = {};     ///< one sample as [C, H, W] for the grid (e.g. {1, 28, 28}); empty: G's own
};

/// DCGAN's initialization (Radford et al. 2016, as PyTorch's DCGAN tutorial), in place: every
/// parameter with more than one axis (convolution and dense weights) ~ N(0, 0.02), a
/// one-axis "...weight" (batch norm's scale) ~ N(1, 0.02); biases keep their values.
void dcgan_init(nn::Module& model, Generator& gen);

/// What one step saw: the loss it descended and the mean probabilities D gave.
struct GanStep {
  double d_loss = 0, g_loss = 0;  ///< the step's loss (d_loss for D steps, g_loss for G steps)
  double d_real = 0, d_fake = 0;  ///< mean D(x) (D steps only) and mean D(G(z))
};

/// Trains G and D against each other; the modules and optimizers must outlive the learner.
///   generative::GanLearner gan(g, d, g_opt, d_opt, {.noise_shape = {100}, .image_shape = {1, 28, 28}});
///   train::Loop(gan).fit(images, {.epochs = 20, .batch_size = 64});   // images [N, ...] like G's output
/// train_step on a real batch takes one D step and, after every d_steps D steps, one G step on
/// as many fakes as the batch has examples. Its values: "d_loss", "d_real", "d_fake" of the D
/// step, and "g_loss" of the latest G step (absent until the first). model() is one module with the children
/// "generator" and "discriminator"; optimizers() is {G's, D's}; the noise generator is "noise".
/// Throws soma::Error for options out of range, and in the steps when G's output does not fit
/// D or the real batch (the message names both shapes) or D's output is not one probability per example.
class GanLearner : public train::Learner {
 public:
  GanLearner(nn::Module& generator, nn::Module& discriminator, optim::Optimizer& g_optimizer,
             optim::Optimizer& d_optimizer, GanOptions options = {});

  // ---- train::Learner ----
  std::string name() const override { return "gan"; }
  /// One D step on batch.x (and a G step every d_steps calls); batch.y is ignored.
  train::StepResult train_step(const data::Batch& batch) override;
  /// "d_real": mean D(x) over batch.x. Draws no noise, so evaluating leaves training unchanged.
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return *model_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&g_opt_, &d_opt_}; }
  std::vector<std::pair<std::string, Generator*>> generators() override { return {{"noise", &gen_}}; }
  /// "d_steps_taken", "g_steps_taken", "since_g_step" (D steps since the last G step) and
  /// "last_g_loss".
  std::map<std::string, Tensor> state_dict() const override;
  /// Throws soma::Error naming the missing key.
  void load_state_dict(const std::map<std::string, Tensor>& state) override;
  /// events.images("samples", epoch, G(fixed noise), -1, 1), shaped by image_shape.
  void report_epoch(train::EventStream& events, std::int64_t epoch) override;

  // ---- the steps, for loops written by hand ----
  /// n noise vectors [n, noise_shape...] from the learner's seeded generator, in the dtype of
  /// G's parameters (float32 for a G without any).
  Tensor noise(std::int64_t n);
  /// One D step: real batch x and fakes G(z) (made without a graph); descends L_D.
  GanStep discriminator_step(const Tensor& real, const Tensor& z);
  GanStep discriminator_step(const Tensor& real) { return discriminator_step(real, noise(real.size(0))); }
  /// One G step on fakes G(z); descends L_G. The gradients it leaves in D are discarded.
  GanStep generator_step(const Tensor& z);
  GanStep generator_step(std::int64_t n) { return generator_step(noise(n)); }

  /// G's output for the fixed noise batch (no gradients), shaped by image_shape when set.
  /// NOTE: G runs in its current mode: in training mode (as the loop leaves it at report_epoch)
  /// a batch-normed G uses the fixed batch's statistics and updates its running ones, as in
  /// PyTorch's DCGAN tutorial.
  Tensor sample_fixed();
  const Tensor& fixed_noise() const { return fixed_noise_; }
  std::int64_t d_steps_taken() const { return d_steps_taken_; }
  std::int64_t g_steps_taken() const { return g_steps_taken_; }
  const GanOptions& options() const { return options_; }
  nn::Module& generator() { return g_; }
  nn::Module& discriminator() { return d_; }

 private:
  Tensor discriminate(const Tensor& x, const char* what);
  Tensor generate(const Tensor& z);

  nn::Module& g_;
  nn::Module& d_;
  optim::Optimizer& g_opt_;
  optim::Optimizer& d_opt_;
  GanOptions options_;
  std::shared_ptr<nn::Module> model_;  // "generator" and "discriminator", not owned
  Generator gen_;
  DType noise_dtype_ = DType::f32;
  Tensor fixed_noise_;
  std::int64_t d_steps_taken_ = 0, g_steps_taken_ = 0, since_g_step_ = 0;
  double last_g_loss_ = 0;
};

}  // namespace soma::generative
