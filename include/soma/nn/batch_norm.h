// Batch normalization layers (Ioffe & Szegedy 2015) with PyTorch's parameters, buffers and
// defaults. BatchNormBase holds what every variant shares (gamma, beta, running statistics,
// the train/eval choice); a variant only fixes the input ranks it accepts. BatchNorm1d takes
// [N, C] or [N, C, L], BatchNorm2d [N, C, H, W]; the math is the fused op in ops/batch_norm.h.
#pragma once

#include <optional>

#include "soma/nn/module.h"

namespace soma::nn {

struct BatchNormOptions {
  double eps = 1e-5;  ///< added to the variance before the square root (>= 0)
  /// Weight of the newest batch in the running statistics (in [0, 1]):
  /// running = (1 - momentum) * running + momentum * batch. NOTE: PyTorch's convention;
  /// Keras' momentum 0.99 is 0.01 here. std::nullopt: a cumulative average over all batches
  /// seen (factor 1 / num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;  ///< learn a per-channel scale "weight" (ones) and shift "bias" (zeros)
  /// Keep running_mean, running_var and num_batches_tracked, and normalize with them in
  /// evaluation mode. When false there are no buffers and both modes use the batch's statistics.
  bool track_running_stats = true;
  DType dtype = DType::f32;  ///< dtype of the parameters and running statistics
};

/// The shared part of BatchNorm1d and BatchNorm2d. Parameters "weight" [C] and "bias" [C]
/// (when affine); buffers "running_mean" [C] (zeros), "running_var" [C] (ones) and
/// "num_batches_tracked" (int64, 0-dim) (when track_running_stats).
/// Training mode normalizes with the batch's statistics, then updates the running ones and
/// increments num_batches_tracked; evaluation mode normalizes with the running statistics.
class BatchNormBase : public Module {
 public:
  /// Throws soma::Error naming the layer, C and x's shape when x has the wrong rank, the
  /// wrong number of channels, or another dtype than the layer; in training, when a channel
  /// has a single value (e.g. batch size 1 for [N, C]), as PyTorch: "Expected more than 1
  /// value per channel when training". A failed call changes no statistic.
  Tensor forward(const Tensor& x) override;
  /// The input's shape; throws as forward() does for a wrong rank or channel count.
  Shape output_shape(const Shape& input) const override;
  /// One multiply-add per element: evaluation mode folds the statistics, weight and bias into
  /// a scale and a shift per channel.
  std::int64_t flops(const Shape& input) const override;

  std::int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }
  const Tensor& weight() const { return weight_; }            ///< gamma [C]; undefined unless affine
  const Tensor& bias() const { return bias_; }                ///< beta [C]; undefined unless affine
  const Tensor& running_mean() const { return running_mean_; }  ///< [C]; undefined unless tracked
  const Tensor& running_var() const { return running_var_; }    ///< [C]; undefined unless tracked
  /// Training batches seen (int64, 0-dim); undefined unless tracked.
  const Tensor& num_batches_tracked() const { return num_batches_tracked_; }

 protected:
  /// Throws soma::Error unless num_features > 0, eps >= 0 and momentum (if set) is in [0, 1].
  BatchNormBase(std::int64_t num_features, const BatchNormOptions& options);
  /// The accepted input ranks, e.g. "[N, C] or [N, C, L]", for a message; and whether a rank is one.
  virtual const char* expected_shape() const = 0;
  virtual bool accepts_rank(int rank) const = 0;

 private:
  std::int64_t num_features_;
  BatchNormOptions options_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

/// Batch normalization over [N, C] (features) or [N, C, L] (channels of a sequence), like
/// PyTorch's nn.BatchNorm1d(num_features, eps, momentum, affine, track_running_stats).
///   nn::Sequential net{nn::Dense(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dense(256, 10)};
///   nn::BatchNorm1d bn(64, {.momentum = 0.01});
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormBase(num_features, options) {}
  std::string type_name() const override { return "BatchNorm1d"; }

 protected:
  const char* expected_shape() const override { return "[N, C] or [N, C, L]"; }
  bool accepts_rank(int rank) const override { return rank == 2 || rank == 3; }
};

/// Batch normalization over the channels of images [N, C, H, W], like PyTorch's
/// nn.BatchNorm2d: statistics per channel over N, H and W.
///   nn::Sequential net{nn::Conv2d(1, 32, 3), nn::BatchNorm2d(32), nn::ReLU()};
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormBase(num_features, options) {}
  std::string type_name() const override { return "BatchNorm2d"; }

 protected:
  const char* expected_shape() const override { return "[N, C, H, W]"; }
  bool accepts_rank(int rank) const override { return rank == 4; }
};

}  // namespace soma::nn
