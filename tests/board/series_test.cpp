// Smoothing (debiased EMA) and per-pixel min/max decimation of dashboard series.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <soma/board/series.h>
#include <soma/core/error.h>

using namespace soma::board;

TEST(SmoothEma, DebiasedSoTheFirstPointIsItself) {
  const std::vector<double> y{10, 10, 10, 4};
  const auto s = smooth_ema(y, 0.9);
  // Without the bias correction the first value would be 1 (pulled toward 0).
  EXPECT_DOUBLE_EQ(s[0], 10);
  EXPECT_NEAR(s[2], 10, 1e-12);
  // s_4 = (0.9^3 * 0.1 * 10 + 0.9^2 * 0.1 * 10 + 0.9 * 0.1 * 10 + 0.1 * 4) / (1 - 0.9^4)
  const double expected = (0.1 * 10 * (0.729 + 0.81 + 0.9) + 0.1 * 4) / (1 - 0.6561);
  EXPECT_NEAR(s[3], expected, 1e-12);
}

TEST(SmoothEma, SkipsNaNAndZeroWeightIsIdentity) {
  const std::vector<double> y{1, NAN, 3};
  const auto s = smooth_ema(y, 0.5);
  EXPECT_DOUBLE_EQ(s[0], 1);
  EXPECT_TRUE(std::isnan(s[1]));
  EXPECT_NEAR(s[2], (0.25 * 1 + 0.5 * 3) / 0.75, 1e-12);
  EXPECT_EQ(smooth_ema(y, 0)[2], 3);
  EXPECT_THROW(smooth_ema(y, 1), soma::Error);
  EXPECT_THROW(smooth_ema(y, -0.1), soma::Error);
}

TEST(Drawable, LeavesOutNaNAndNonPositiveXOnALogAxis) {
  const std::vector<double> x{0, 1, 2, 3, 4}, y{9, 5, NAN, 7, 8};
  const Points p = drawable(x, y, false);
  EXPECT_EQ(p.x, (std::vector<double>{0, 1, 3, 4}));
  EXPECT_EQ(p.y, (std::vector<double>{9, 5, 7, 8}));
  EXPECT_EQ(drawable(x, y, true).x, (std::vector<double>{1, 3, 4}));
  EXPECT_THROW(drawable(x, std::vector<double>{1}, false), soma::Error);
}

TEST(MinMaxPerColumn, KeepsEveryColumnsExtremesInStepOrder) {
  const std::size_t n = 100000, pixels = 500;
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = double(i + 1), y[i] = std::sin(double(i) * 0.01);
  y[12345] = 50;   // one step's spike
  y[77777] = -40;  // and a dip
  const Columns columns{.lo = 1, .hi = double(n), .pixels = pixels};
  const std::vector<double> v = min_max_per_column(x, y, 0, columns);
  ASSERT_EQ(v.size(), 2 * pixels);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 50);
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), -40);
  EXPECT_EQ(v[2 * columns.of(12346)] == 50 || v[2 * columns.of(12346) + 1] == 50, true);
  // Every column against a plain scan: its min and max, the earlier one first.
  std::vector<std::size_t> low(pixels, n), high(pixels, n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = columns.of(x[i]);
    if (low[c] == n || y[i] < y[low[c]]) low[c] = i;
    if (high[c] == n || y[i] > y[high[c]]) high[c] = i;
  }
  for (std::size_t c = 0; c < pixels; ++c) {
    ASSERT_LT(low[c], n);
    EXPECT_EQ(v[2 * c], y[std::min(low[c], high[c])]) << c;
    EXPECT_EQ(v[2 * c + 1], y[std::max(low[c], high[c])]) << c;
  }
  const std::vector<double> slots = columns.slots();
  EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
  EXPECT_EQ(columns.of(slots[0]), 0u);
  EXPECT_EQ(columns.of(slots[2 * pixels - 1]), pixels - 1);
}

TEST(MinMaxPerColumn, EmptyColumnsAreNaNAndLogColumnsAreEqualInLogX) {
  const Points p{{1, 20, 200, 1000}, {4, 3, 2, 1}};
  const Columns log{.lo = 1, .hi = 1000, .pixels = 3, .log_x = true};
  EXPECT_EQ(log.of(1), 0u);
  EXPECT_EQ(log.of(20), 1u);
  EXPECT_EQ(log.of(200), 2u);
  EXPECT_EQ(log.of(1000), 2u);
  EXPECT_NEAR(log.slots()[1], std::pow(10.0, 0.75), 1e-9);
  const std::vector<double> v = min_max_per_column(p.x, p.y, 0, log);
  EXPECT_EQ(v, (std::vector<double>{4, 4, 3, 3, 2, 1}));
  const Columns linear{.lo = 1, .hi = 1000, .pixels = 4};
  const std::vector<double> w = min_max_per_column(p.x, p.y, 0, linear);
  EXPECT_EQ(w[0], 4);  // 1, 20 and 200 share the first linear column: 4 then 2
  EXPECT_EQ(w[1], 2);
  EXPECT_TRUE(std::isnan(w[2]) && std::isnan(w[3]) && std::isnan(w[4]));
  EXPECT_EQ(w[7], 1);
}

TEST(MinMaxPerColumn, SmoothsInTheSamePassAsSmoothEma) {
  std::vector<double> x, y;
  for (int i = 0; i < 5000; ++i) x.push_back(i), y.push_back(i % 7 == 0 ? NAN : std::cos(i * 0.37) * 10);
  const Columns columns{.lo = 1, .hi = 4999, .pixels = 37, .log_x = true};  // x = 0 left out
  const std::vector<double> smoothed = smooth_ema(y, 0.8);
  const std::vector<double> a = min_max_per_column(x, y, 0.8, columns), b = min_max_per_column(x, smoothed, 0, columns);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(std::isnan(a[2]));  // the log columns between x = 1 and x = 2 are empty
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << i;
  EXPECT_THROW(min_max_per_column(x, y, 1, columns), soma::Error);
}
