// Tests of src/kernels/fast_math.h's float32 tanh: its error in ulps against the float64 tanh of
// the same input, over a dense sweep and every float near the two formulas' meeting point, then
// its special values. (exp_fast is tested with the recurrent cells that use it.)
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/fast_math.h"

namespace soma::kernels {
namespace {

// |got - exact| in units of the float spacing at exact.
double ulps(float got, double exact) {
  const float e = float(exact);
  const double spacing = double(std::nextafter(std::abs(e), std::numeric_limits<float>::infinity())) - std::abs(e);
  return std::abs(double(got) - exact) / spacing;
}

TEST(FastMath, TanhIsWithinTwoUlpsOfTheExactValue) {
  double worst = 0, worst_at = 0;
  auto check = [&](float x) {
    const double u = ulps(tanh_fast(x), std::tanh(double(x)));
    if (u > worst) worst = u, worst_at = x;
  };
  for (double x = -12; x <= 12; x += 0.000731) check(float(x));
  for (float x = 1e-30f; x < 1e-3f; x *= 1.01f) check(x), check(-x);  // tiny: relative error counts
  // Every float within 1000 steps of 0.625, where the polynomial hands over to the exp form.
  float x = 0.625f;
  for (int i = 0; i < 1000; ++i) x = std::nextafter(x, 0.0f);
  for (int i = 0; i < 2000; ++i, x = std::nextafter(x, 1.0f)) check(x), check(-x);
  EXPECT_LE(worst, 2.0) << "worst at x = " << worst_at;
}

TEST(FastMath, TanhSaturatesKeepsSignsAndNaN) {
  EXPECT_EQ(tanh_fast(0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(tanh_fast(-0.0f)));
  EXPECT_EQ(tanh_fast(10.0f), 1.0f);  // 1 - 4e-9 rounds to 1 (tanh(9) does not)
  EXPECT_EQ(tanh_fast(-10.0f), -1.0f);
  EXPECT_EQ(tanh_fast(1000.0f), 1.0f);
  EXPECT_EQ(tanh_fast(-std::numeric_limits<float>::infinity()), -1.0f);
  EXPECT_EQ(tanh_fast(std::numeric_limits<float>::infinity()), 1.0f);
  EXPECT_TRUE(std::isnan(tanh_fast(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(tanh_fast(1e-30f), 1e-30f);
}

}  // namespace
}  // namespace soma::kernels
