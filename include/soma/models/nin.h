// Network in Network (Lin, Chen & Yan 2014): "mlpconv" blocks — a convolution followed by two
// 1x1 convolutions (the per-pixel MLP), ReLU after each — and global average pooling of one
// map per class instead of Dense layers (section 3.2), as an nn::Sequential.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct NiNOptions {
  std::int64_t in_channels = 3;
  std::int64_t classes = 10;
  /// true: the CIFAR-10 network of section 4.2 (three mlpconv blocks, 192-160-96, 192-192-192,
  /// 192-192-classes; 3x3/2 pools and dropout 0.5 between) for 28x28 or 32x32 images;
  /// false: the ImageNet network (four blocks, 11x11/4 stem, 96-256-384-1024 channels).
  bool small_input = true;
  double dropout = 0.5;
  DType dtype = DType::f32;
};

/// "block1" ... (each "0" conv, "1" ReLU, "2" 1x1 conv, "3" ReLU, "4" 1x1 conv, "5" ReLU),
/// pools and dropouts between, then "avgpool" (AdaptiveAvgPool2d(1)) and "flatten":
/// [N, C, H, W] -> [N, classes]. The last block's last 1x1 convolution has `classes` maps.
nn::Sequential nin(const NiNOptions& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
