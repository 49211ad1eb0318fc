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

TEST(DecimateMinMax, FewPointsComeBackAsTheyAreWithoutNaN) {
  const std::vector<double> x{1, 2, 3, 4}, y{5, NAN, 7, 8};
  const Points p = decimate_min_max(x, y, 10, false);
  EXPECT_FALSE(p.decimated);
  EXPECT_EQ(p.x, (std::vector<double>{1, 3, 4}));
  EXPECT_EQ(p.y, (std::vector<double>{5, 7, 8}));
  EXPECT_THROW(decimate_min_max(x, std::vector<double>{1}, 10, false), soma::Error);
}

TEST(DecimateMinMax, KeepsEverySpikeInAtMostTwoPointsPerPixel) {
  const std::size_t n = 100000, pixels = 500;
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = double(i + 1), y[i] = std::sin(double(i) * 0.01);
  y[12345] = 50;   // one step's spike
  y[77777] = -40;  // and a dip
  const Points p = decimate_min_max(x, y, pixels, false);
  EXPECT_TRUE(p.decimated);
  EXPECT_LE(p.x.size(), 2 * pixels);
  EXPECT_GE(p.x.size(), pixels);
  EXPECT_EQ(*std::max_element(p.y.begin(), p.y.end()), 50);
  EXPECT_EQ(*std::min_element(p.y.begin(), p.y.end()), -40);
  EXPECT_TRUE(std::is_sorted(p.x.begin(), p.x.end()));
  const auto spike = std::find(p.y.begin(), p.y.end(), 50) - p.y.begin();
  EXPECT_EQ(p.x[std::size_t(spike)], 12346);
  // Every pixel column's extremes are kept: check one column by brute force.
  const double width = (double(n) - 1) / double(pixels);
  const auto in_column = [&](double v) { return std::min<std::size_t>(pixels - 1, std::size_t((v - 1) / width)) == 200; };
  double lo = 1e9, hi = -1e9;
  for (std::size_t i = 0; i < n; ++i)
    if (in_column(x[i])) lo = std::min(lo, y[i]), hi = std::max(hi, y[i]);
  double got_lo = 1e9, got_hi = -1e9;
  for (std::size_t i = 0; i < p.x.size(); ++i)
    if (in_column(p.x[i])) got_lo = std::min(got_lo, p.y[i]), got_hi = std::max(got_hi, p.y[i]);
  EXPECT_EQ(got_lo, lo);
  EXPECT_EQ(got_hi, hi);
}

TEST(DecimateMinMax, LogXDropsNonPositiveAndBucketsInLogSpace) {
  std::vector<double> x, y;
  for (int i = 0; i <= 10000; ++i) x.push_back(i), y.push_back(i);
  const Points p = decimate_min_max(x, y, 100, true);
  EXPECT_TRUE(p.decimated);
  EXPECT_EQ(p.x.front(), 1);  // x = 0 has no place on a log axis
  // Equal columns in log x: the first decade (1..10) keeps all its 10 points, which equal
  // columns in linear x would have merged into one.
  EXPECT_EQ(std::count_if(p.x.begin(), p.x.end(), [](double v) { return v <= 10; }), 10);
}
