// Tests of adaptive_avg_pool2d (include/soma/ops/pool.h) and nn::AdaptiveAvgPool2d: windows by
// hand (overlapping, growing), float64 gradchecks, [C, H, W] inputs, shapes and errors.
// PyTorch reference values are in tests/reference/zoo_layers_reference_test.cpp.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/pool.h"
#include "soma/ops/pool.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;

TEST(AdaptiveAvgPoolOp, WindowsByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    // 1 x 3 -> 1 x 2: windows [0, 2) and [1, 3) overlap on the middle element.
    const Tensor x = tensor({1, 2, 4}, {1, 1, 1, 3}, dt);
    EXPECT_TRUE(values_near(adaptive_avg_pool2d(x, {1, 2}), {1, 1, 1, 2}, dt, {1.5, 3}));
    // 1 x 2 -> 1 x 3: windows [0, 1), [0, 2), [1, 2).
    const Tensor y = tensor({2, 4}, {1, 1, 1, 2}, dt);
    EXPECT_TRUE(values_near(adaptive_avg_pool2d(y, {1, 3}), {1, 1, 1, 3}, dt, {2, 3, 4}));
    // [C, H, W] keeps its rank; 1x1 is the plane's mean.
    EXPECT_TRUE(values_near(adaptive_avg_pool2d(tensor({1, 2, 3, 6}, {1, 2, 2}, dt), 1), {1, 1, 1}, dt, {3}));
  }
}

TEST(AdaptiveAvgPoolOp, Gradcheck) {
  const std::pair<Shape, Pair> cases[] = {{{2, 2, 7, 5}, {3, 2}}, {{1, 2, 2, 3}, {5, 4}}, {{1, 3, 4, 4}, {1, 1}},
                                          {{3, 4, 4}, {2, 3}}};
  std::uint64_t seed = 11;
  for (const auto& [shape, out] : cases) {
    SCOPED_TRACE(shape.str());
    EXPECT_TRUE(gradcheck([out](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], out); },
                          {random64(shape, seed++)}));
  }
}

TEST(AdaptiveAvgPoolLayer, ShapesAndErrors) {
  nn::AdaptiveAvgPool2d pool(7);
  EXPECT_EQ(pool.output_shape({2, 512, 1, 1}), Shape({2, 512, 7, 7}));
  EXPECT_EQ(pool.shape_arithmetic({2, 512, 1, 1}), "input 512x1x1 -> 7x7");
  EXPECT_EQ(pool(zeros({2, 3, 9, 9})).shape(), Shape({2, 3, 7, 7}));
  EXPECT_TRUE(throws_error_with([&] { pool.output_shape({2, 512}); }, {"AdaptiveAvgPool2d expects [N, C, H, W]"}));
  EXPECT_TRUE(throws_error_with([&] { pool(zeros({2, 5})); }, {"AdaptiveAvgPool2d: adaptive_avg_pool2d"}));
  EXPECT_TRUE(throws_error_with([] { nn::AdaptiveAvgPool2d(Pair{0, 3}); }, {"output size must be at least 1x1"}));
  EXPECT_TRUE(throws_error_with([] { adaptive_avg_pool2d(zeros({1, 1, 0, 3}), 2); }, {"empty planes"}));
}

}  // namespace
}  // namespace soma
