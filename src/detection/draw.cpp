// Outlines on a copy of the canvas: box edges rounded to pixels, each side one pixel wide.
#include "soma/detection/draw.h"

#include <algorithm>
#include <cmath>

#include "soma/core/error.h"

namespace soma::detection {

Tensor draw_boxes(const Tensor& image, const std::vector<Outline>& outlines) {
  const bool grey = image.defined() && is_floating(image.dtype()) &&
                    (image.dim() == 2 || (image.dim() == 3 && image.size(0) == 1));
  SOMA_CHECK(grey, "draw_boxes: expected a grey image [1, H, W] or [H, W], got ", image.defined() ? image.shape() : Shape{});
  const std::int64_t h = image.size(image.dim() - 2), w = image.size(image.dim() - 1);
  const Tensor src = image.to(DType::f32);
  Tensor rgb({3, h, w}, DType::f32);
  float* out = rgb.data<float>();
  for (int c = 0; c < 3; ++c) std::copy_n(src.data<float>(), h * w, out + c * h * w);
  auto put = [&](std::int64_t x, std::int64_t y, const Colour& colour) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    for (int c = 0; c < 3; ++c) out[(c * h + y) * w + x] = colour[std::size_t(c)];
  };
  for (const Outline& o : outlines) {
    // Pixel-edge fractions to the first and last pixel inside the box.
    const auto x1 = std::int64_t(std::lround(o.box.x1 * double(w))), y1 = std::int64_t(std::lround(o.box.y1 * double(h)));
    const auto x2 = std::int64_t(std::lround(o.box.x2 * double(w))) - 1, y2 = std::int64_t(std::lround(o.box.y2 * double(h))) - 1;
    if (x2 < x1 || y2 < y1) continue;
    for (std::int64_t x = x1; x <= x2; ++x) put(x, y1, o.colour), put(x, y2, o.colour);
    for (std::int64_t y = y1; y <= y2; ++y) put(x1, y, o.colour), put(x2, y, o.colour);
  }
  return rgb;
}

}  // namespace soma::detection
