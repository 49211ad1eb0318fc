// Smoothing and decimation of a dashboard series (see series.h).
#include "soma/board/series.h"

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

Points decimate_min_max(std::span<const double> x, std::span<const double> y, std::size_t pixels, bool log_x) {
  SOMA_CHECK(x.size() == y.size(), "decimate_min_max: ", x.size(), " x values for ", y.size(), " y values");
  SOMA_CHECK(pixels > 0, "decimate_min_max: 0 pixels");
  std::vector<std::size_t> kept;
  kept.reserve(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i]) && (!log_x || x[i] > 0)) kept.push_back(i);
  Points out;
  if (kept.size() <= 2 * pixels) {
    for (const std::size_t i : kept) out.x.push_back(x[i]), out.y.push_back(y[i]);
    return out;
  }
  out.decimated = true;
  const auto at = [&](std::size_t i) { return log_x ? std::log(x[i]) : x[i]; };
  const double lo = at(kept.front()), hi = at(kept.back());
  const double width = hi > lo ? (hi - lo) / double(pixels) : 1;
  const auto emit = [&](std::size_t a, std::size_t b) {
    if (a > b) std::swap(a, b);
    out.x.push_back(x[a]), out.y.push_back(y[a]);
    if (b != a) out.x.push_back(x[b]), out.y.push_back(y[b]);
  };
  std::size_t column = 0, low = kept.front(), high = kept.front();
  for (const std::size_t i : kept) {
    const auto c = std::min(pixels - 1, std::size_t(std::max(0.0, (at(i) - lo) / width)));
    if (c != column) {
      emit(low, high);
      column = c, low = high = i;
    }
    if (y[i] < y[low]) low = i;
    if (y[i] > y[high]) high = i;
  }
  emit(low, high);
  return out;
}

}  // namespace soma::board
