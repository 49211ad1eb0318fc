// Tests of src/kernels/recurrent_cells.h's float32 exp, sigmoid and tanh (its own, vectorizable
// exp instead of libm's): error against the float64 functions over the whole useful range,
// and the saturated ends (no inf, no NaN).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/recurrent_cells.h"

namespace soma::kernels {
namespace {

TEST(RecurrentCellMath, Float32ExpSigmoidTanhAreAccurate) {
  double worst_exp = 0, worst_sigmoid = 0, worst_tanh = 0;
  for (double x = -80; x <= 80; x += 0.00731) {
    const float xf = float(x);
    const double e = std::exp(double(xf));
    worst_exp = std::max(worst_exp, std::abs(exp_fast(xf) - e) / e);
    worst_sigmoid = std::max(worst_sigmoid, std::abs(sigmoid_of(xf) - 1 / (1 + std::exp(-double(xf)))));
    worst_tanh = std::max(worst_tanh, std::abs(tanh_of(xf) - std::tanh(double(xf))));
  }
  EXPECT_LT(worst_exp, 3e-7);
  EXPECT_LT(worst_sigmoid, 2e-7);
  EXPECT_LT(worst_tanh, 3e-7);
}

TEST(RecurrentCellMath, SaturatesWithoutInfOrNaN) {
  EXPECT_EQ(sigmoid_of(1000.0f), 1.0f);
  EXPECT_EQ(sigmoid_of(-1000.0f) < 1e-37f, true);
  EXPECT_EQ(tanh_of(1000.0f), 1.0f);
  EXPECT_EQ(tanh_of(-1000.0f), -1.0f);
  EXPECT_TRUE(std::isfinite(exp_fast(1000.0f)));
  EXPECT_EQ(tanh_of(0.0f), 0.0f);
}

}  // namespace
}  // namespace soma::kernels
