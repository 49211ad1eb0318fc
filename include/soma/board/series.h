// What the dashboard does to a series before it draws it: smoothing by a debiased exponential
// moving average, and per-pixel min/max decimation, which sends two values per pixel column of
// the chart whatever the number of points, yet keeps every spike (each column's highest and
// lowest point are those two). All runs of a chart share the columns, so the page draws them
// on one x array without merging thousands of x values.
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

/// The points of a series that a chart can draw: x and y finite, x > 0 on a log x axis.
struct Points {
  std::vector<double> x, y;
};
/// Throws soma::Error when x and y differ in length.
Points drawable(std::span<const double> x, std::span<const double> y, bool log_x);

/// `pixels` equal columns over [lo, hi] (equal in log x when `log_x`; then lo > 0).
struct Columns {
  double lo = 0, hi = 1;
  std::size_t pixels = 1;
  bool log_x = false;

  /// The column of x (x outside [lo, hi] goes to the first or last).
  std::size_t of(double x) const;
  /// Two x per column, at its first and third quarter: where its two values are drawn.
  std::vector<double> slots() const;
};

/// Per column, the lowest and the highest of the drawable points of (x, smooth_ema(y, weight))
/// (x growing), the one that comes first at slot 2c, the other at 2c + 1; a column with one point
/// has it in both slots, an empty column NaN in both. 2 * pixels values. One pass and no copy of
/// the series: what a chart of 100 runs of 100,000 steps costs per run and poll.
/// Throws soma::Error when x and y differ in length or the weight is outside [0, 1).
std::vector<double> min_max_per_column(std::span<const double> x, std::span<const double> y, double weight,
                                       const Columns& columns);

}  // namespace soma::board
