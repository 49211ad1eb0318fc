// AlexNet (Krizhevsky, Sutskever & Hinton 2012, "ImageNet classification with deep
// convolutional neural networks") as an nn::Sequential, in two layouts: torchvision's
// models.alexnet (64-192-384-256-256 channels, no normalization; parameter paths and shapes
// equal to its state dict) and the paper's (96-256-384-384-256, local response normalization
// after the first two ReLUs, one GPU's worth of both towers merged).
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct AlexNetOptions {
  std::int64_t in_channels = 3;
  std::int64_t classes = 1000;
  /// false: torchvision's layout; true: the 2012 paper's channels with LocalResponseNorm(size 5,
  /// alpha 1e-4, beta 0.75, k 2) after ReLU 1 and 2, before their pools.
  bool paper = false;
  double dropout = 0.5;   ///< before each of the first two Dense layers
  std::int64_t hidden = 4096;  ///< width of the two hidden Dense layers
  /// true: a 3x3, stride-1 stem (padding 1) instead of 11x11/4, for 28x28 or 32x32 images (the
  /// three pools then leave 2x2 or 3x3); false: torchvision's and the paper's stem.
  bool small_input = false;
  /// The features are pooled to pool x pool before the classifier (torchvision: 6). A small
  /// version takes the size its pools leave (2 for 28x28) rather than copying pixels up to 6x6.
  std::int64_t pool = 6;
  DType dtype = DType::f32;
};

/// "features" (5 convolutions, ReLUs and three 3x3/2 max pools), "avgpool"
/// (AdaptiveAvgPool2d(6)), "flatten", "classifier" (Dropout, Dense 9216 -> 4096, ReLU, Dropout,
/// Dense 4096 -> 4096, ReLU, Dense -> classes), torchvision's paths ("features.0.weight",
/// "classifier.6.bias"). Takes any image of at least 63x63 (the pools need a 3x3 map), or of
/// 15x15 with `small_input`.
///   auto small = models::alexnet({.classes = 10, .hidden = 256, .small_input = true, .pool = 2});  // 28x28
///   auto net = models::alexnet();   net.eval();   net(x);  // x [N, 3, 224, 224] -> [N, 1000]
nn::Sequential alexnet(const AlexNetOptions& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
