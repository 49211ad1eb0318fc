// Smoothing and decimation of a dashboard series (see series.h).
#include "soma/board/series.h"

#include <algorithm>
#include <cmath>

#include "soma/core/error.h"

namespace soma::board {

std::vector<double> smooth_ema(std::span<const double> y, double weight) {
  SOMA_CHECK(weight >= 0 && weight < 1, "smoothing weight must be in [0, 1), got ", weight);
  std::vector<double> out(y.begin(), y.end());
  if (weight == 0) return out;
  // NOTE: TensorBoard's old smoothing started its average at the first point; starting at 0
  // and dividing by (1 - w^k) weighs every point as it should (Adam's bias correction).
  double s = 0, w_k = 1;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    s = weight * s + (1 - weight) * y[i];
    w_k *= weight;
    out[i] = s / (1 - w_k);
  }
  return out;
}

Points drawable(std::span<const double> x, std::span<const double> y, bool log_x) {
  SOMA_CHECK(x.size() == y.size(), "series: ", x.size(), " x values for ", y.size(), " y values");
  Points out;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i]) && (!log_x || x[i] > 0)) out.x.push_back(x[i]), out.y.push_back(y[i]);
  return out;
}

std::size_t Columns::of(double x) const {
  const double a = log_x ? std::log(lo) : lo, b = log_x ? std::log(hi) : hi;
  const double at = log_x ? std::log(x) : x;
  if (!(b > a)) return 0;
  const double c = std::floor((at - a) / (b - a) * double(pixels));
  return std::size_t(std::clamp(c, 0.0, double(pixels - 1)));
}

std::vector<double> Columns::slots() const {
  const double a = log_x ? std::log(lo) : lo, b = log_x ? std::log(hi) : hi;
  const double width = b > a ? (b - a) / double(pixels) : 1;
  std::vector<double> x(2 * pixels);
  for (std::size_t c = 0; c < pixels; ++c)
    for (int k = 0; k < 2; ++k) {
      const double at = a + (double(c) + 0.25 + 0.5 * k) * width;
      x[2 * c + std::size_t(k)] = log_x ? std::exp(at) : at;
    }
  return x;
}

std::vector<double> min_max_per_column(std::span<const double> x, std::span<const double> y, double weight,
                                       const Columns& columns) {
  SOMA_CHECK(x.size() == y.size(), "series: ", x.size(), " x values for ", y.size(), " y values");
  SOMA_CHECK(weight >= 0 && weight < 1, "smoothing weight must be in [0, 1), got ", weight);
  std::vector<double> out(2 * columns.pixels, NAN);
  // The column being filled: its lowest and highest value and which came first.
  std::size_t column = SIZE_MAX;
  double low = 0, high = 0;
  bool low_first = true;
  const auto flush = [&] {
    if (column == SIZE_MAX) return;
    double& a = out[2 * column];
    double& b = out[2 * column + 1];
    if (std::isnan(a)) {
      a = low_first ? low : high, b = low_first ? high : low;
    } else {  // x went back (never in a run folder's files): keep the column's extremes
      const double lo = std::min({a, b, low}), hi = std::max({a, b, high});
      a = lo, b = hi;
    }
  };
  double s = 0, w_k = 1;  // smooth_ema's state
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    double v = y[i];
    if (weight > 0) {
      s = weight * s + (1 - weight) * v;
      w_k *= weight;
      v = s / (1 - w_k);
    }
    if (!std::isfinite(x[i]) || (columns.log_x && x[i] <= 0)) continue;
    const std::size_t c = columns.of(x[i]);
    if (c != column) {
      flush();
      column = c, low = high = v, low_first = true;
    } else if (v < low) {
      low = v, low_first = false;  // the new low comes after the high
    } else if (v > high) {
      high = v, low_first = true;
    }
  }
  flush();
  return out;
}

}  // namespace soma::board
