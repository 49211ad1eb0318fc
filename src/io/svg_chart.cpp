// SVG line charts: axes with "nice" ticks (1, 2, 5 x 10^k), polylines per series, a legend.
// Text is SVG <text>, so unlike the PNG charts any character can appear in labels.
#include "soma/io/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "soma/core/error.h"
#include "soma/io/atomic_file.h"

namespace soma::io {

namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Ticks covering [lo, hi] at a step of 1, 2 or 5 x 10^k, about `target` of them.
std::vector<double> nice_ticks(double& lo, double& hi, int target = 5) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  std::vector<double> ticks;
  for (double t = lo; t <= hi + step * 1e-9; t += step) ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const PlotOptions& options) {
  SOMA_CHECK(!series.empty(), "line chart: no series to draw");
  SOMA_CHECK(options.width >= 240 && options.height >= 160, "line chart: size ", options.width, "x", options.height,
             " is below the minimum 240x160");
  for (const auto& s : series)
    SOMA_CHECK(s.x.empty() || s.x.size() == s.y.size(), "line chart: series '", s.name, "' has ", s.x.size(),
               " x values for ", s.y.size(), " y values");
  auto x_of = [](const Series& s, std::size_t i) { return s.x.empty() ? double(i) : s.x[i]; };
  auto drawable = [&](double y) { return std::isfinite(y) && (!options.log_y || y > 0); };

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!drawable(s.y[i]) || !std::isfinite(x_of(s, i))) continue;
      const double y = options.log_y ? std::log10(s.y[i]) : s.y[i];
      x_lo = std::min(x_lo, x_of(s, i));
      x_hi = std::max(x_hi, x_of(s, i));
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (options.log_y) {
    y_lo = std::floor(y_lo);
    y_hi = std::max(std::ceil(y_hi), y_lo + 1);
  }
  const std::vector<double> x_ticks = nice_ticks(x_lo, x_hi);
  std::vector<double> y_ticks;
  if (options.log_y) {
    for (double t = y_lo; t <= y_hi; ++t) y_ticks.push_back(t);
  } else {
    y_ticks = nice_ticks(y_lo, y_hi);
  }

  const bool legend = std::any_of(series.begin(), series.end(), [](const Series& s) { return !s.name.empty(); });
  const double w = options.width, h = options.height;
  const double left = 70, right = legend ? 150 : 20, top = options.title.empty() ? 20 : 40,
               bottom = options.x_label.empty() ? 40 : 60;
  const double pw = w - left - right, ph = h - top - bottom;
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * pw; };
  auto py = [&](double y) { return top + ph - (y - y_lo) / (y_hi - y_lo) * ph; };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h << "\" viewBox=\"0 0 " << w
      << ' ' << h << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!options.title.empty())
    svg << "<text x=\"" << left + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
        << escape(options.title) << "</text>\n";
  for (double t : x_ticks) {
    svg << "<line x1=\"" << px(t) << "\" y1=\"" << top << "\" x2=\"" << px(t) << "\" y2=\"" << top + ph
        << "\" stroke=\"#e5e5e5\"/>\n";
    svg << "<text x=\"" << px(t) << "\" y=\"" << top + ph + 16 << "\" text-anchor=\"middle\">" << number(t)
        << "</text>\n";
  }
  for (double t : y_ticks) {
    svg << "<line x1=\"" << left << "\" y1=\"" << py(t) << "\" x2=\"" << left + pw << "\" y2=\"" << py(t)
        << "\" stroke=\"#e5e5e5\"/>\n";
    svg << "<text x=\"" << left - 6 << "\" y=\"" << py(t) + 4 << "\" text-anchor=\"end\">"
        << (options.log_y ? "1e" + number(t) : number(t)) << "</text>\n";
  }
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" fill=\"none\" stroke=\"black\"/>\n";
  if (!options.x_label.empty())
    svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << h - 16 << "\" text-anchor=\"middle\">"
        << escape(options.x_label) << "</text>\n";

  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const char* colour = kColours[k % std::size(kColours)];
    std::string points;
    auto flush = [&] {
      if (points.empty()) return;
      // A lone point would be invisible as a polyline: draw it as a dot.
      if (points.find(' ') == points.rfind(' ')) {
        const auto comma = points.find(',');
        svg << "<circle cx=\"" << points.substr(0, comma) << "\" cy=\"" << points.substr(comma + 1, points.size() - comma - 2)
            << "\" r=\"3\" fill=\"" << colour << "\"/>\n";
      } else {
        svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.5\" points=\"" << points
            << "\"/>\n";
      }
      points.clear();
    };
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!drawable(s.y[i]) || !std::isfinite(x_of(s, i))) {
        flush();
        continue;
      }
      const double y = options.log_y ? std::log10(s.y[i]) : s.y[i];
      points += number(px(x_of(s, i))) + "," + number(py(y)) + " ";
    }
    flush();
    if (legend && !s.name.empty()) {
      const double ly = top + 10 + 20 * double(k);
      svg << "<line x1=\"" << left + pw + 12 << "\" y1=\"" << ly << "\" x2=\"" << left + pw + 36 << "\" y2=\"" << ly
          << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n";
      svg << "<text x=\"" << left + pw + 42 << "\" y=\"" << ly + 4 << "\">" << escape(s.name) << "</text>\n";
    }
  }
  svg << "</svg>\n";
  return svg.str();
}

void write_line_chart_svg(const std::string& path, const std::vector<Series>& series, const PlotOptions& options) {
  std::string text;
  try {
    text = line_chart_svg(series, options);
  } catch (const Error& e) {
    throw Error("write_line_chart_svg '" + path + "': " + e.what());
  }
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace soma::io
