// Generative adversarial networks (Goodfellow et al. 2014): a trainer for any generator G
// (noise z -> samples) and discriminator D (samples -> probability of "real", shape [N, 1] or
// [N]), each with its own optimizer. With p_real = D(x) and p_fake = D(G(z)), means over the batch:
//   D descends  L_D = -(mean log p_real + mean log(1 - p_fake))       (ascends the lecture's objective)
//   G descends  L_G = mean log(1 - p_fake)                             (GanLoss::minimax)
//            or L_G = -mean log p_fake                                 (GanLoss::non_saturating, the default)
// The logs are binary_cross_entropy's (clamped at -100, as PyTorch). Formulas: docs/generative.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"

namespace soma::generative {

enum class GanLoss { minimax, non_saturating };
enum class GanNoise { normal, uniform };  ///< z ~ N(0, 1) or U(-1, 1)

struct GanOptions {
  Shape noise_shape = {100};       ///< shape of one z (G's input without the batch axis)
  std::int64_t batch_size = 64;    ///< real examples per discriminator step (and fakes per G step)
  int d_steps = 1;                 ///< k: discriminator steps per generator step
  GanLoss generator_loss = GanLoss::non_saturating;
  GanNoise noise = GanNoise::normal;
  std::uint64_t seed = 0;          ///< noise, shuffling and the fixed sample noise
  std::int64_t samples = 64;       ///< images in each epoch's grid (from one fixed noise batch)
  std::string sample_dir;          ///< where fit() writes <sample_prefix>_epoch_<e>.png; empty: none
  std::string sample_prefix = "gan_samples";
  Shape image_shape = {};          ///< one sample as [C, H, W] for the grid (e.g. {1, 28, 28}); empty: G's own
  bool print = true;               ///< fit() prints one line per epoch
};

/// What one step saw: the loss it descended and the mean probabilities D gave.
struct GanStep {
  double d_loss = 0, g_loss = 0;   ///< the step's loss (d_loss for D steps, g_loss for G steps)
  double d_real = 0, d_fake = 0;   ///< mean D(x) (D steps only) and mean D(G(z))
};

/// Per epoch: mean D loss over its D steps, mean G loss over its G steps, mean D(x) and D(G(z))
/// seen by the D steps, the step counts and the wall time since fit() began.
struct GanEpoch {
  int epoch = 0;
  double d_loss = 0, g_loss = 0, d_real = 0, d_fake = 0;
  std::int64_t d_steps = 0, g_steps = 0;
  double seconds = 0;
};

/// Trains G and D against each other. The modules and optimizers must outlive the trainer.
///   generative::GanTrainer gan(g, d, g_opt, d_opt, {.noise_shape = {100}, .sample_dir = "."});
///   auto history = gan.fit(images, 20);   // images [N, ...] shaped like one G output each
/// Throws soma::Error for options out of range, and in the steps when G's output does not fit
/// D or the real batch (the message names both shapes) or D's output is not one probability per example.
class GanTrainer {
 public:
  GanTrainer(nn::Module& generator, nn::Module& discriminator, optim::Optimizer& g_optimizer,
             optim::Optimizer& d_optimizer, GanOptions options = {});

  /// n noise vectors [n, noise_shape...] from the trainer's seeded generator.
  Tensor noise(std::int64_t n);
  /// One D step: real batch x and fakes G(z) (detached); descends L_D.
  GanStep discriminator_step(const Tensor& real, const Tensor& z);
  GanStep discriminator_step(const Tensor& real) { return discriminator_step(real, noise(real.size(0))); }
  /// One G step on fakes G(z); descends L_G. D's gradients are computed but D is not updated.
  GanStep generator_step(const Tensor& z);
  GanStep generator_step(std::int64_t n) { return generator_step(noise(n)); }

  /// `epochs` passes over `data` (shuffled, batch_size per D step; a G step after every
  /// d_steps D steps); saves the fixed-noise grid after each epoch when sample_dir is set.
  std::vector<GanEpoch> fit(const Tensor& data, int epochs);

  /// G's output for the fixed noise batch (no gradients), for grids.
  Tensor sample_fixed();
  const Tensor& fixed_noise() const { return fixed_noise_; }
  std::int64_t d_steps_taken() const { return d_steps_taken_; }
  std::int64_t g_steps_taken() const { return g_steps_taken_; }
  const GanOptions& options() const { return options_; }

 private:
  Tensor discriminate(const Tensor& x, const char* what);
  Tensor generate(const Tensor& z);

  nn::Module& g_;
  nn::Module& d_;
  optim::Optimizer& g_opt_;
  optim::Optimizer& d_opt_;
  GanOptions options_;
  Generator gen_;
  Tensor fixed_noise_;
  std::int64_t d_steps_taken_ = 0, g_steps_taken_ = 0;
};

}  // namespace soma::generative
