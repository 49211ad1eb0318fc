// Scanline filling at pixel centres. Polygons: for each row, the x where the row's centre line
// crosses each edge (an edge counts for rows with y_top <= y < y_bottom, so a shared vertex is
// counted once), sorted, filled pairwise (even-odd).
#include "soma/rl/raster.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {

namespace {

void check_rgb(const Frame& frame, const char* what) {
  SOMA_CHECK(frame.channels == 3, what, ": the frame must be RGB (3 channels), has ", frame.channels);
}

void put(Frame& frame, std::int64_t row, std::int64_t col, Color color) {
  std::uint8_t* p = frame.at(row, col);
  p[0] = color.r, p[1] = color.g, p[2] = color.b;
}

// Fills columns whose centres lie in [x0, x1) on `row`.
void fill_span(Frame& frame, std::int64_t row, double x0, double x1, Color color) {
  const auto first = std::max<std::int64_t>(0, std::int64_t(std::ceil(x0 - 0.5)));
  const auto end = std::min<std::int64_t>(frame.width, std::int64_t(std::ceil(x1 - 0.5)));
  for (std::int64_t col = first; col < end; ++col) put(frame, row, col, color);
}

}  // namespace

Frame::Frame(std::int64_t height, std::int64_t width, std::int64_t channels, std::uint8_t value)
    : height(height), width(width), channels(channels) {
  SOMA_CHECK(height >= 0 && width >= 0, "Frame: height and width must not be negative, got ", height, "x", width);
  SOMA_CHECK(channels == 1 || channels == 3, "Frame: channels must be 1 (grey) or 3 (RGB), got ", channels);
  pixels.assign(std::size_t(height * width * channels), value);
}

Color Frame::color(std::int64_t row, std::int64_t col) const {
  check_rgb(*this, "Frame::color");
  SOMA_CHECK(row >= 0 && row < height && col >= 0 && col < width, "Frame::color: pixel (row ", row, ", col ", col,
             ") is outside the ", height, "x", width, " frame");
  const std::uint8_t* p = at(row, col);
  return {p[0], p[1], p[2]};
}

void fill(Frame& frame, Color color) {
  check_rgb(frame, "fill");
  for (std::int64_t row = 0; row < frame.height; ++row)
    for (std::int64_t col = 0; col < frame.width; ++col) put(frame, row, col, color);
}

void fill_polygon(Frame& frame, std::span<const Point> corners, Color color) {
  check_rgb(frame, "fill_polygon");
  SOMA_CHECK(corners.size() >= 3, "fill_polygon: a polygon needs at least 3 corners, got ", corners.size());
  double top = corners[0].y, bottom = corners[0].y;
  for (const Point& p : corners) top = std::min(top, p.y), bottom = std::max(bottom, p.y);
  const auto first_row = std::max<std::int64_t>(0, std::int64_t(std::ceil(top - 0.5)));
  const auto end_row = std::min<std::int64_t>(frame.height, std::int64_t(std::ceil(bottom - 0.5)));
  std::vector<double> crossings;
  for (std::int64_t row = first_row; row < end_row; ++row) {
    const double y = row + 0.5;
    crossings.clear();
    for (std::size_t i = 0; i < corners.size(); ++i) {
      const Point& a = corners[i];
      const Point& b = corners[(i + 1) % corners.size()];
      if ((a.y <= y && y < b.y) || (b.y <= y && y < a.y))
        crossings.push_back(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
    }
    std::sort(crossings.begin(), crossings.end());
    for (std::size_t i = 0; i + 1 < crossings.size(); i += 2) fill_span(frame, row, crossings[i], crossings[i + 1], color);
  }
}

void fill_circle(Frame& frame, Point centre, double radius, Color color) {
  check_rgb(frame, "fill_circle");
  const auto first_row = std::max<std::int64_t>(0, std::int64_t(std::floor(centre.y - radius)));
  const auto last_row = std::min<std::int64_t>(frame.height - 1, std::int64_t(std::ceil(centre.y + radius)));
  for (std::int64_t row = first_row; row <= last_row; ++row) {
    const double dy = row + 0.5 - centre.y;
    if (dy * dy > radius * radius) continue;
    const double half = std::sqrt(radius * radius - dy * dy);
    // Centres within [x - half, x + half], both ends included.
    const auto first = std::max<std::int64_t>(0, std::int64_t(std::ceil(centre.x - half - 0.5)));
    const auto last = std::min<std::int64_t>(frame.width - 1, std::int64_t(std::floor(centre.x + half - 0.5)));
    for (std::int64_t col = first; col <= last; ++col) put(frame, row, col, color);
  }
}

void draw_line(Frame& frame, Point from, Point to, Color color) {
  check_rgb(frame, "draw_line");
  auto x0 = std::int64_t(std::floor(from.x)), y0 = std::int64_t(std::floor(from.y));
  const auto x1 = std::int64_t(std::floor(to.x)), y1 = std::int64_t(std::floor(to.y));
  const std::int64_t dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const std::int64_t sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  for (std::int64_t err = dx + dy;;) {
    if (x0 >= 0 && x0 < frame.width && y0 >= 0 && y0 < frame.height) put(frame, y0, x0, color);
    if (x0 == x1 && y0 == y1) break;
    const std::int64_t e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

std::vector<Point> rotate_and_move(std::span<const Point> corners, double angle, Point offset) {
  const double c = std::cos(angle), s = std::sin(angle);
  std::vector<Point> out;
  out.reserve(corners.size());
  for (const Point& p : corners) out.push_back({p.x * c - p.y * s + offset.x, p.x * s + p.y * c + offset.y});
  return out;
}

namespace {
Tensor planes(const Frame& frame, float scale) {
  Tensor t = empty({frame.channels, frame.height, frame.width});
  float* out = t.data<float>();
  const std::int64_t plane = frame.height * frame.width;
  for (std::int64_t i = 0; i < plane; ++i)
    for (std::int64_t c = 0; c < frame.channels; ++c) out[c * plane + i] = frame.pixels[i * frame.channels + c] * scale;
  return t;
}
}  // namespace

Tensor to_tensor(const Frame& frame) { return planes(frame, 1.0f); }
Tensor to_image(const Frame& frame) { return planes(frame, 1.0f / 255); }

}  // namespace soma::rl
