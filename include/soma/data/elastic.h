// Elastic distortion (Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
// networks applied to visual document analysis", section 2), the augmentation behind Ciresan
// et al. 2010's MLP on MNIST: every pixel moves by a random displacement field, smoothed by a
// Gaussian and scaled, and the image is resampled bilinearly. Not here: the affine part
// (rotation, scaling) Ciresan adds; compose with random_rotation for it.
#pragma once

#include "soma/data/transforms.h"

namespace soma::data {

struct ElasticDistortionOptions {
  double alpha = 34;  ///< scale of the displacement, in pixels per unit of the smoothed field
  double sigma = 4;   ///< standard deviation of the Gaussian smoothing, in pixels (> 0)
  double fill = 0;    ///< value of the pixels pulled in from outside the image
};

/// For each example: fields dx, dy uniform in [-1, 1] per pixel (dx drawn first, row-major),
/// each convolved with a Gaussian of `sigma` (truncated at 3 sigma, normalized, zero beyond
/// the border) and multiplied by `alpha`; output (r, c) samples the input bilinearly at
/// (r + dy, c + dx), `fill` outside. The planes of one example share its field. x [N, ..., H, W],
/// float32 or float64; shapes kept; alpha 0 returns the input's values exactly.
///   .transforms = {data::elastic_distortion({.alpha = 34, .sigma = 4})}
/// Throws soma::Error naming elastic_distortion now for alpha < 0 or sigma <= 0 (or not
/// finite); when applied, for x with fewer than 3 dimensions or an int64 x.
Transform elastic_distortion(const ElasticDistortionOptions& options = {});

}  // namespace soma::data
