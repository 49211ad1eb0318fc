// VGG (Simonyan & Zisserman 2015, "Very deep convolutional networks for large-scale image
// recognition", table 1 configurations A, B, D, E = VGG-11, 13, 16, 19), with or without batch
// normalization, as nn::Sequential models whose parameter paths and shapes equal torchvision's
// models.vgg11 ... vgg19_bn. Smaller widths, classifier and pooling are options, for 28x28 or
// 32x32 images.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct VGGOptions {
  int depth = 16;               ///< 11, 13, 16 or 19 weight layers
  bool batch_norm = false;      ///< BatchNorm2d after every convolution (torchvision's vgg16_bn)
  std::int64_t in_channels = 3;
  std::int64_t classes = 1000;
  /// Channels of the first block; the blocks have 1, 2, 4, 8, 8 times it (torchvision: 64).
  std::int64_t width = 64;
  std::int64_t hidden = 4096;   ///< width of the two hidden Dense layers
  /// The features are pooled to pool x pool before the classifier (torchvision: 7). 1 gives a
  /// small classifier of width * 8 inputs.
  std::int64_t pool = 7;
  /// Round the five 2x2 max pools' sizes up: a 28x28 image then comes out 1x1 (28-14-7-4-2-1)
  /// instead of failing at the fifth pool. torchvision: false (any image of 32x32 or more).
  bool ceil_mode = false;
  double dropout = 0.5;         ///< after each hidden Dense layer
  DType dtype = DType::f32;
};

/// "features" (3x3 convolutions with padding 1, [BatchNorm2d,] ReLU, and a 2x2 max pool after
/// each of the five blocks), "avgpool" (AdaptiveAvgPool2d(pool)), "flatten", "classifier"
/// (Dense -> hidden, ReLU, Dropout, Dense hidden -> hidden, ReLU, Dropout, Dense -> classes):
/// torchvision's paths, e.g. "features.0.weight", "classifier.6.bias".
///   auto net = models::vgg({.depth = 16});   // models.vgg16(): 138,357,544 parameters
///   auto small = models::vgg({.depth = 11, .in_channels = 1, .classes = 10, .width = 16,
///                             .hidden = 128, .pool = 1, .ceil_mode = true});   // 28x28
/// Throws soma::Error for a depth other than 11, 13, 16, 19 or sizes below 1.
nn::Sequential vgg(const VGGOptions& options = {}, Generator& gen = default_generator());

/// torchvision's names: vgg11() ... vgg19_bn() with 1000 classes (pass options for others).
nn::Sequential vgg11(VGGOptions options = {}, Generator& gen = default_generator());
nn::Sequential vgg13(VGGOptions options = {}, Generator& gen = default_generator());
nn::Sequential vgg16(VGGOptions options = {}, Generator& gen = default_generator());
nn::Sequential vgg19(VGGOptions options = {}, Generator& gen = default_generator());

}  // namespace soma::models
