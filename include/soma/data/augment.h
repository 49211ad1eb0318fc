// Image augmentation for DataLoaderOptions::transforms (and FitOptions::transforms): random
// crops and shifts with zero padding, small rotations, Gaussian noise and random erasing, after
// torchvision's RandomCrop, RandomRotation, GaussianNoise and RandomErasing. The horizontal
// flip is in transforms.h. Each draws from the batch's generator, example by example, so an
// augmented epoch is the same with or without prefetching and after a resume.
// Not here: colour jitter, scaling/shearing affines, resizing crops.
#pragma once

#include <utility>

#include "soma/data/transforms.h"

namespace soma::data {

/// Every geometric transform here takes images x [N, ..., H, W] (usually [N, C, H, W]): the
/// planes of one example (its channels) share one random draw; examples draw independently.

struct RandomCropOptions {
  std::int64_t height = 0;   ///< crop height (required, >= 1, at most H + 2 * padding)
  std::int64_t width = 0;    ///< crop width (required, >= 1, at most W + 2 * padding)
  std::int64_t padding = 0;  ///< `fill` added on every side before cropping (>= 0)
  double fill = 0;           ///< value of the padding
};

/// A random height x width window of each example, padded first by `padding` on each side:
/// torchvision's RandomCrop(size, padding, fill). The window's top-left corner is uniform over
/// the padded image (row first, then column, drawn for every example). x [N, ..., H, W] ->
/// [N, ..., height, width]; any dtype.
///   .transforms = {data::random_crop({.height = 28, .width = 28, .padding = 4})}
/// Throws soma::Error naming random_crop now for a size < 1 or padding < 0; when applied, for
/// x with fewer than 3 dimensions or a window larger than the padded image.
Transform random_crop(const RandomCropOptions& options);

/// Moves each example by a whole number of pixels, uniform in [-max_shift, max_shift] on each
/// axis, filling the uncovered border with zeros: random_crop of the image's own size with
/// padding max_shift (torchvision's RandomCrop(28, padding=max_shift) on 28 x 28 images).
/// The shapes are kept. Throws soma::Error naming random_shift now for max_shift < 0; when
/// applied, for x with fewer than 3 dimensions.
Transform random_shift(std::int64_t max_shift);

enum class Interpolation { nearest, bilinear };

struct RandomRotationOptions {
  double degrees = 0;  ///< the angle is uniform in [-degrees, degrees]; 0 to 180
  Interpolation interpolation = Interpolation::nearest;  ///< torchvision's default
  double fill = 0;     ///< value of the pixels rotated in from outside the image
};

/// x [N, ..., H, W] with every example rotated by the same `degrees` about its centre
/// ((W - 1) / 2, (H - 1) / 2), counter-clockwise for a positive angle as seen with row 0 at
/// the top (torchvision's functional rotate): each output pixel samples the input at the
/// inversely rotated position, nearest or bilinear, and takes `fill` outside the image.
/// A new tensor of x's shape; float32 or float64. Throws soma::Error naming rotate for x with
/// fewer than 3 dimensions or an int64 x.
Tensor rotate(const Tensor& x, double degrees, Interpolation interpolation = Interpolation::nearest, double fill = 0);

/// Rotates each example as rotate() does by its own angle, uniform in [-degrees, degrees]
/// (one draw per example; torchvision's RandomRotation(degrees, interpolation, fill)). A 0
/// angle returns the input exactly. Shapes are kept; float32 or float64.
///   .transforms = {data::random_rotation({.degrees = 10})}
/// Throws soma::Error naming random_rotation now for degrees < 0 or above 180; when applied,
/// for x with fewer than 3 dimensions or an int64 x.
Transform random_rotation(const RandomRotationOptions& options);

inline constexpr double kGaussianNoiseMean = 0;  ///< gaussian_noise's default mean
/// Adds independent normal noise of mean `mean` and standard deviation `std_dev` to every
/// element (torchvision's GaussianNoise without the clipping: clip afterwards if needed).
/// float32 or float64. Throws soma::Error naming gaussian_noise now for std_dev < 0; when
/// applied, for an int64 x.
Transform gaussian_noise(double std_dev, double mean = kGaussianNoiseMean);

struct RandomErasingOptions {
  double p = 0.5;                                   ///< probability that an example is erased
  std::pair<double, double> scale = {0.02, 0.33};   ///< erased fraction of the H x W area, [low, high]
  std::pair<double, double> ratio = {0.3, 3.3};     ///< aspect ratio h / w of the rectangle, [low, high]
  double value = 0;                                 ///< value written into the rectangle
  bool random_values = false;  ///< write standard normal draws instead (torchvision's value='random')
};

/// Random erasing (Zhong et al. 2017; torchvision's RandomErasing): with probability p, one
/// rectangle of each example is overwritten, in every channel. As torchvision, up to 10
/// attempts draw an area (uniform in scale times H * W) and an aspect ratio (log-uniform in
/// ratio), round h = sqrt(area * ratio) and w = sqrt(area / ratio), and keep the first that
/// fits strictly inside the image, at a uniform position; when none fits, the example is kept.
/// Shapes are kept; float32 or float64.
///   .transforms = {data::random_erasing({.p = 0.5})}
/// Throws soma::Error naming random_erasing now for p outside [0, 1], a scale outside [0, 1]
/// or with low > high, a ratio not positive or with low > high; when applied, for x with fewer
/// than 3 dimensions or an int64 x.
Transform random_erasing(const RandomErasingOptions& options = {});

}  // namespace soma::data
