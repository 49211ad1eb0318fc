// Boxes drawn on images, to look at what a localizer or detector found: a grey canvas turned
// RGB with one-pixel rectangles in given colours (write it with io::write_png or
// io::save_image_grid). Not a drawing library: outlines only, no labels.
#pragma once

#include <array>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/detection/box.h"

namespace soma::detection {

using Colour = std::array<float, 3>;  ///< red, green, blue in [0, 1]
inline constexpr Colour kTruthColour = {0.1f, 0.9f, 0.1f};
inline constexpr Colour kPredictionColour = {1.0f, 0.2f, 0.2f};

/// A labelled outline: a box in image fractions and its colour.
struct Outline {
  Box box;
  Colour colour;
};

/// `image` [1, H, W] or [H, W] grey (float32 or float64) as float32 RGB [3, H, W] with each
/// outline drawn in order (later over earlier), clipped to the image. Throws soma::Error naming
/// draw_boxes and the shape for another image.
Tensor draw_boxes(const Tensor& image, const std::vector<Outline>& outlines);

}  // namespace soma::detection
