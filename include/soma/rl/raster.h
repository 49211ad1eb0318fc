// A small rasterizer for environments' pictures: RGB uint8 frames and the few shapes a classic
// control scene needs (filled polygons, axis-aligned or rotated; filled circles; lines). It
// samples each pixel once at its centre, no anti-aliasing, so a picture is exact and cheap.
// It is not a general 2-D graphics library: no strokes wider than a pixel, no blending, no text.
// Coordinates are image coordinates: pixel (col, row) covers [col, col+1) x [row, row+1), row 0
// is the top row, y grows downward (a renderer with y up, as Gymnasium's, flips its points).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::rl {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
};

struct Point {
  double x = 0, y = 0;
};

/// An image of whole bytes: pixels[(row * width + col) * channels + c], rows top down (the
/// layout of Gymnasium's rgb_array, [H, W, C]). channels is 3 (RGB) or 1 (grey).
struct Frame {
  std::int64_t height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  Frame() = default;
  /// A frame of one value everywhere. Throws soma::Error for a negative size or channels other than 1 or 3.
  Frame(std::int64_t height, std::int64_t width, std::int64_t channels, std::uint8_t value = 0);

  std::uint8_t* at(std::int64_t row, std::int64_t col) { return pixels.data() + (row * width + col) * channels; }
  const std::uint8_t* at(std::int64_t row, std::int64_t col) const {
    return pixels.data() + (row * width + col) * channels;
  }
  /// The colour at (row, col) of an RGB frame (tests and pictures; not a hot path).
  Color color(std::int64_t row, std::int64_t col) const;
  bool operator==(const Frame&) const = default;
};

/// Sets every pixel of an RGB frame to `color`.
void fill(Frame& frame, Color color);
/// Fills the polygon with these corners (any simple polygon, convex or not, either winding):
/// the pixels whose centres lie inside, by the even-odd rule; a centre exactly on a left or top
/// edge is inside, on a right or bottom edge outside, so adjacent shapes never overlap.
/// Throws soma::Error for fewer than 3 corners or a frame that is not RGB.
void fill_polygon(Frame& frame, std::span<const Point> corners, Color color);
/// Fills the pixels whose centres lie within `radius` of `centre`.
void fill_circle(Frame& frame, Point centre, double radius, Color color);
/// A one-pixel line from the pixel holding `from` to the pixel holding `to` (Bresenham), both
/// ends included; what falls outside the frame is clipped.
void draw_line(Frame& frame, Point from, Point to, Color color);

/// `corners` turned by `angle` radians about the origin (counter-clockwise on the screen for a
/// positive angle when y grows upward) and then moved by `offset`.
std::vector<Point> rotate_and_move(std::span<const Point> corners, double angle, Point offset);

/// The frame as float32 [C, H, W] with values 0..255 (an observation; Space::pixels).
Tensor to_tensor(const Frame& frame);
/// The frame as float32 [C, H, W] in [0, 1], ready for io::write_png.
Tensor to_image(const Frame& frame);

}  // namespace soma::rl
