// What the dashboard does to a series before it draws it: smoothing by a debiased exponential
// moving average, and per-pixel min/max decimation, which sends at most two points per pixel
// column yet keeps every spike (the highest and lowest point of each column are among them).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace soma::board {

/// Exponential moving average with weight `weight` in [0, 1) (0: none), debiased as Adam's
/// moments are: s_k = w s_{k-1} + (1 - w) y_k, shown as s_k / (1 - w^k), where k counts the finite
/// points so far, so the first points are not pulled toward the starting value 0. NaN stays
/// NaN and does not count. Throws soma::Error for a weight outside [0, 1).
std::vector<double> smooth_ema(std::span<const double> y, double weight);

/// Points to draw.
struct Points {
  std::vector<double> x, y;
  bool decimated = false;  ///< true when columns of pixels were reduced to their min and max
};

/// The finite points (x, y) of a series whose x grows, those with x > 0 only when `log_x`. When
/// more than 2 * `pixels` remain, the x range is cut into `pixels` equal columns (equal in
/// log x when `log_x`) and each column gives its lowest and highest point, in x order.
/// Throws soma::Error when x and y differ in length or `pixels` is 0.
Points decimate_min_max(std::span<const double> x, std::span<const double> y, std::size_t pixels, bool log_x);

}  // namespace soma::board
