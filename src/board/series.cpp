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

std::vector<double> min_max_per_column(const Points& p, const Columns& columns) {
  std::vector<double> out(2 * columns.pixels, NAN);
  std::size_t i = 0;
  while (i < p.x.size()) {
    const std::size_t c = columns.of(p.x[i]);
    std::size_t low = i, high = i, j = i;
    for (; j < p.x.size() && columns.of(p.x[j]) == c; ++j) {
      if (p.y[j] < p.y[low]) low = j;
      if (p.y[j] > p.y[high]) high = j;
    }
    if (std::isnan(out[2 * c])) {
      out[2 * c] = p.y[std::min(low, high)];
      out[2 * c + 1] = p.y[std::max(low, high)];
    } else {  // x went back (never in a run folder's files): keep the column's extremes
      const double a = std::min({out[2 * c], out[2 * c + 1], p.y[low]}), b = std::max({out[2 * c], out[2 * c + 1], p.y[high]});
      out[2 * c] = a, out[2 * c + 1] = b;
    }
    i = j;
  }
  return out;
}

}  // namespace soma::board
