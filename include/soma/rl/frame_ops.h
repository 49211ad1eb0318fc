// What the lecture's preprocessing does to a screen, on byte frames (rl/raster.h): grey
// levels, a window, a smaller size. Pure functions; the wrappers of rl/pixels.h apply them to
// an environment's pictures.
#pragma once

#include "soma/rl/raster.h"

namespace soma::rl {

/// One grey channel from RGB: round(0.299 R + 0.587 G + 0.114 B) (ITU-R BT.601 luma, as
/// OpenCV's and PIL's conversions). Throws soma::Error for a frame that is not RGB.
Frame grayscale(const Frame& frame);

/// The window of `height` x `width` pixels whose top-left pixel is (row, col). Throws
/// soma::Error when the window does not lie inside the frame.
Frame crop(const Frame& frame, std::int64_t row, std::int64_t col, std::int64_t height, std::int64_t width);

/// Resizes by area averaging (OpenCV's INTER_AREA; PIL's box filter): each output pixel is the
/// mean of the input area it covers, partly covered pixels weighted by the part, rounded to the
/// nearest byte. Shrinking by a whole factor (160x360 -> 40x90) averages whole blocks.
/// Throws soma::Error for an empty target.
Frame resize_area(const Frame& frame, std::int64_t height, std::int64_t width);

}  // namespace soma::rl
