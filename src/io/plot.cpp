// Line-chart PNG writer (see soma/io/plot.h). Rasterizes into an RGB buffer by hand
// (Bresenham lines, a 5x7 bitmap font) and writes it as PNG through png.h.
#include "soma/io/plot.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "soma/core/error.h"

#include "png.h"

namespace soma::io {
namespace {

// 5x7 glyphs, one byte per row from the top; bit 0x10 is the leftmost column.
struct Glyph {
  char c;
  std::uint8_t rows[7];
};
constexpr Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}}, {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}},
    {'-', {0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00}}, {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}}, {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}}, {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}}, {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}}, {'\'', {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00}},
    {'^', {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}}, {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}}, {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}}, {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}}, {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}}, {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}}, {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}}, {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}}, {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}}, {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}}, {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04}}, {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
};

struct Rgb {
  std::uint8_t r, g, b;
};
constexpr Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255}, kGrid{228, 228, 228}, kFrame{160, 160, 160};
constexpr Rgb kPalette[] = {{31, 119, 180}, {214, 39, 40}, {44, 160, 44},
                            {255, 127, 14}, {148, 103, 189}, {23, 190, 207}};

constexpr int kScale = 2;                   // text is drawn at twice the font's size
constexpr int kCharHeight = 7 * kScale;
constexpr int kTick = 6;                    // tick mark length in pixels

int text_width(const std::string& s) { return s.empty() ? 0 : (int(s.size()) * 6 - 1) * kScale; }

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), rgb_(std::size_t(w) * h * 3, 255) {}

  void fill(int x0, int y0, int x1, int y1, Rgb c) {  // inclusive corners, clipped
    for (int y = std::max(y0, 0); y <= std::min(y1, h_ - 1); ++y)
      for (int x = std::max(x0, 0); x <= std::min(x1, w_ - 1); ++x) {
        std::uint8_t* p = &rgb_[(std::size_t(y) * w_ + x) * 3];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {  // outline
    line(x0, y0, x1, y0, c), line(x0, y1, x1, y1, c), line(x0, y0, x0, y1, c), line(x1, y0, x1, y1, c);
  }
  // Bresenham's line, stamping a pen x pen square at each step.
  void line(int x0, int y0, int x1, int y1, Rgb c, int pen = 1) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    for (int err = dx + dy;;) {
      fill(x0 - pen / 2, y0 - pen / 2, x0 - pen / 2 + pen - 1, y0 - pen / 2 + pen - 1, c);
      if (x0 == x1 && y0 == y1) return;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  // Text with its top-left corner at (x, y); characters missing from the font are spaces.
  void text(int x, int y, const std::string& s, Rgb c) {
    for (char ch : s) {
      const char up = char(std::toupper(static_cast<unsigned char>(ch)));
      for (const Glyph& g : kFont) {
        if (g.c != up) continue;
        for (int row = 0; row < 7; ++row)
          for (int col = 0; col < 5; ++col)
            if (g.rows[row] & (0x10 >> col))
              fill(x + col * kScale, y + row * kScale, x + (col + 1) * kScale - 1, y + (row + 1) * kScale - 1, c);
      }
      x += 6 * kScale;
    }
  }
  const std::vector<std::uint8_t>& pixels() const { return rgb_; }

 private:
  int w_, h_;
  std::vector<std::uint8_t> rgb_;
};

// "1.5e+06" -> "1.5E6": the font has no lowercase, and the zeros and plus add nothing.
std::string tidy_exponent(std::string s) {
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  return s.substr(0, e) + "E" + std::to_string(std::stoi(s.substr(e + 1)));
}

// An axis in its own units: the value on a linear axis, log10 of the value on a log axis.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;
  double fraction(double v) const { return (v - lo) / (hi - lo); }
};

// Ticks at 1, 2 or 5 times a power of ten, about five of them; the range grows to whole ticks.
Axis linear_axis(double lo, double hi) {
  if (!(hi - lo > 1e-9 * std::max(std::abs(lo), std::abs(hi)))) {  // flat: give it some height
    const double pad = std::max(0.5, std::abs(lo) * 0.1);
    lo -= pad, hi += pad;
  }
  const double raw = (hi - lo) / 5, magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude, step = magnitude * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
  const auto first = std::int64_t(std::floor(lo / step + 1e-9)), last = std::int64_t(std::ceil(hi / step - 1e-9));
  const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  Axis axis{double(first) * step, double(last) * step, {}, {}};
  for (auto k = first; k <= last; ++k) {
    const double v = double(k) * step;
    char buf[32];
    if (std::max(std::abs(axis.lo), std::abs(axis.hi)) >= 1e6 || decimals > 4)
      std::snprintf(buf, sizeof buf, "%.3g", v);
    else
      std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    axis.ticks.push_back(v);
    axis.labels.push_back(tidy_exponent(buf));
  }
  return axis;
}

// Ticks at powers of ten (every few decades when there are many); the range spans whole decades.
Axis log_axis(double lo, double hi) {
  const int first = int(std::floor(std::log10(lo))), last = std::max(int(std::ceil(std::log10(hi))), first + 1);
  const int every = (last - first + 7) / 8;
  Axis axis{double(first), double(first + (last - first + every - 1) / every * every), {}, {}};
  for (int k = first; k <= axis.hi; k += every) {
    char buf[32];
    if (k >= -4 && k <= 5)
      std::snprintf(buf, sizeof buf, "%.*f", std::max(0, -k), std::pow(10.0, k));
    else
      std::snprintf(buf, sizeof buf, "1E%d", k);
    axis.ticks.push_back(k);
    axis.labels.push_back(buf);
  }
  return axis;
}

}  // namespace

void write_line_chart(const std::string& path, const std::vector<Series>& series, const PlotOptions& options) {
  const int w = options.width, h = options.height;
  SOMA_CHECK(!series.empty(), "plot '", path, "': no series to draw");
  SOMA_CHECK(w >= 240 && h >= 160, "plot '", path, "': the image must be at least 240 x 160, got ", w, " x ", h);
  for (const Series& s : series)
    SOMA_CHECK(s.x.empty() || s.x.size() == s.y.size(), "plot '", path, "': series '", s.name, "' has ",
               s.x.size(), " x values for ", s.y.size(), " y values");

  // A point is drawn when both coordinates are finite (and y > 0 on a log axis); others leave a gap.
  auto x_at = [](const Series& s, std::size_t j) { return s.x.empty() ? double(j) : s.x[j]; };
  auto drawable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!options.log_y || y > 0); };
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const Series& s : series)
    for (std::size_t j = 0; j < s.y.size(); ++j) {
      const double x = x_at(s, j), y = s.y[j];
      if (!drawable(x, y)) continue;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  if (x_lo > x_hi) x_lo = 0, x_hi = 1, y_lo = 1, y_hi = 10;  // nothing to draw: empty axes
  const Axis ax = linear_axis(x_lo, x_hi);
  const Axis ay = options.log_y ? log_axis(y_lo, y_hi) : linear_axis(y_lo, y_hi);

  int label_width = 0;
  for (const auto& l : ay.labels) label_width = std::max(label_width, text_width(l));
  const int left = 12 + label_width + 6 + kTick, right = w - 1 - std::max(16, text_width(ax.labels.back()) / 2 + 4);
  const int top = options.title.empty() ? 16 : 20 + kCharHeight + 14;
  const int bottom = h - 1 - (kTick + 6 + kCharHeight + 12 + (options.x_label.empty() ? 0 : kCharHeight + 10));
  SOMA_CHECK(right - left >= 40 && bottom - top >= 40, "plot '", path, "': ", w, " x ", h,
             " leaves no room for the chart");
  auto px = [&](double v) { return left + int(std::lround(ax.fraction(v) * (right - left))); };
  auto py_axis = [&](double t) { return bottom - int(std::lround(ay.fraction(t) * (bottom - top))); };
  auto py = [&](double v) { return py_axis(options.log_y ? std::log10(v) : v); };

  Canvas canvas(w, h);
  for (double t : ax.ticks) canvas.line(px(t), top, px(t), bottom, kGrid);
  for (double t : ay.ticks) canvas.line(left, py_axis(t), right, py_axis(t), kGrid);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Rgb colour = kPalette[i % std::size(kPalette)];
    bool drawing = false;  // whether the previous point was drawn, so a segment joins it
    int last_x = 0, last_y = 0;
    for (std::size_t j = 0; j < series[i].y.size(); ++j) {
      const double x = x_at(series[i], j), y = series[i].y[j];
      if (!drawable(x, y)) {
        drawing = false;
        continue;
      }
      const int cx = px(x), cy = py(y);
      canvas.line(drawing ? last_x : cx, drawing ? last_y : cy, cx, cy, colour, 2);
      // A point joined to neither neighbour (a one-epoch run's test loss) would be a 2-pixel
      // speck: mark it with a dot.
      const bool next_drawn = j + 1 < series[i].y.size() && drawable(x_at(series[i], j + 1), series[i].y[j + 1]);
      if (!drawing && !next_drawn) canvas.fill(cx - 3, cy - 3, cx + 3, cy + 3, colour);
      drawing = true, last_x = cx, last_y = cy;
    }
  }

  // Frame, ticks and labels over the curves.
  canvas.rect(left, top, right, bottom, kBlack);
  for (std::size_t k = 0; k < ax.ticks.size(); ++k) {
    const int x = px(ax.ticks[k]);
    canvas.line(x, bottom, x, bottom + kTick, kBlack);
    canvas.text(x - text_width(ax.labels[k]) / 2, bottom + kTick + 6, ax.labels[k], kBlack);
  }
  for (std::size_t k = 0; k < ay.ticks.size(); ++k) {
    const int y = py_axis(ay.ticks[k]);
    canvas.line(left - kTick, y, left, y, kBlack);
    canvas.text(left - kTick - 6 - text_width(ay.labels[k]), y - kCharHeight / 2, ay.labels[k], kBlack);
  }
  if (!options.title.empty()) canvas.text((w - text_width(options.title)) / 2, 20, options.title, kBlack);
  if (!options.x_label.empty())
    canvas.text((left + right - text_width(options.x_label)) / 2, bottom + kTick + 6 + kCharHeight + 10,
                options.x_label, kBlack);

  // Legend at the right, one line per named series: at the top unless more points lie there
  // than at the bottom (a rising accuracy curve ends top right).
  int name_width = 0, named = 0;
  for (const Series& s : series)
    if (!s.name.empty()) name_width = std::max(name_width, text_width(s.name)), ++named;
  if (named > 0) {
    const int x1 = right - 10, x0 = x1 - (10 + 24 + 8 + name_width + 10), height = 8 + named * (kCharHeight + 8);
    auto covered = [&](int y0) {
      int n = 0;
      for (const Series& s : series)
        for (std::size_t j = 0; j < s.y.size(); ++j)
          if (drawable(x_at(s, j), s.y[j])) {
            const int cx = px(x_at(s, j)), cy = py(s.y[j]);
            n += cx >= x0 && cx <= x1 && cy >= y0 && cy <= y0 + height;
          }
      return n;
    };
    const int y0 = covered(top + 10) <= covered(bottom - 10 - height) ? top + 10 : bottom - 10 - height;
    canvas.fill(x0, y0, x1, y0 + height, kWhite);
    canvas.rect(x0, y0, x1, y0 + height, kFrame);
    int y = y0 + 8;
    for (std::size_t i = 0; i < series.size(); ++i) {
      if (series[i].name.empty()) continue;
      canvas.line(x0 + 10, y + kCharHeight / 2, x0 + 34, y + kCharHeight / 2, kPalette[i % std::size(kPalette)], 3);
      canvas.text(x0 + 42, y, series[i].name, kBlack);
      y += kCharHeight + 8;
    }
  }

  detail::write_png_pixels(path, w, h, 3, canvas.pixels(), "plot");
}

}  // namespace soma::io
