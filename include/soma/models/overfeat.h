// OverFeat's fast model (Sermanet, Eigen, Zhang, Mathieu, Fergus & LeCun 2014, "OverFeat:
// integrated recognition, localization and detection using convolutional networks", table 1)
// as an nn::Sequential classifier. Not here: the accurate model (table 3), and the dense
// sliding-window evaluation (the Dense layers would become convolutions).
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct OverfeatOptions {
  std::int64_t in_channels = 3;
  std::int64_t image_size = 231;  ///< the paper's training crops are 231x231
  std::int64_t classes = 1000;
  double dropout = 0.5;           ///< after the hidden Dense layers (6 and 7)
  std::int64_t hidden[2] = {3072, 4096};  ///< widths of the hidden Dense layers 6 and 7 (table 1's)
  /// true: a 3x3, stride-1 stem (padding 1) instead of 11x11/4, for 28x28 or 32x32 images (the
  /// features then end at 1024x2x2 or 1024x3x3); false: table 1's.
  bool small_input = false;
  DType dtype = DType::f32;
};

/// "features": conv 11x11/4 96 + max pool 2x2/2, conv 5x5 256 + pool 2x2/2, conv 3x3 512,
/// 1024, 1024 (padding 1) + pool 2x2/2, ReLU after each conv; "flatten"; "classifier": Dense
/// hidden[0] (3072), ReLU, Dropout, Dense hidden[1] (4096), ReLU, Dropout, Dense classes. For
/// 231x231 the features end at 1024x6x6, as table 1. Throws soma::Error naming the size when
/// the image is too small (image_size must be at least 71, or 16 with `small_input`).
///   auto small = models::overfeat({.image_size = 28, .classes = 10, .hidden = {512, 512}, .small_input = true});
nn::Sequential overfeat(const OverfeatOptions& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
