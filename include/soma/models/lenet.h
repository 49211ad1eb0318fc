// LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
// recognition", figure 2) and its modern ReLU/max-pool variant, as nn::Sequential models.
// Not here: the paper's sparse C3 connection table, trainable subsampling coefficients and RBF
// output units (every C3 map sees all six C1 maps, S2/S4 are plain average pools, the output is
// a Dense layer for cross-entropy) — the simplifications every modern re-implementation makes.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct LeNet5Options {
  std::int64_t in_channels = 1;   ///< image channels
  std::int64_t image_size = 32;   ///< height = width of the input (the paper's 32x32 field)
  /// Zeros around the input of C1: 2 puts a 28x28 MNIST digit in the paper's 32x32 field.
  std::int64_t padding = 0;
  std::int64_t classes = 10;      ///< outputs
  /// false: the 1998 layout with tanh and average pooling; true: ReLU and max pooling.
  bool modern = false;
  DType dtype = DType::f32;
};

/// c1 (Conv 5x5, 6 maps), s2 (pool 2), c3 (Conv 5x5, 16 maps), s4 (pool 2), c5 (Conv over the
/// whole remaining map, 120), f6 (Dense 84), output (Dense classes); tanh (or ReLU) after c1,
/// c3, c5 and f6. Paths are the paper's names ("c1.weight", "f6.bias").
///   auto net = models::lenet5({.image_size = 28, .padding = 2});  // [N, 1, 28, 28] -> [N, 10]
/// Throws soma::Error when the image is too small for the two 5x5 convolutions and pools
/// (image_size + 2 padding must be at least 12) or a size is below 1.
nn::Sequential lenet5(const LeNet5Options& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
