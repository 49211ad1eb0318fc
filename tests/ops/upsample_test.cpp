// Tests of include/soma/ops/upsample.h: values by hand for nearest and bilinear (both
// align_corners rules), float64 gradchecks over sizes and scales (integer, non-integer,
// shrinking, one axis unchanged), float32 against float64, thread counts, and the errors.
// PyTorch reference values are in tests/reference/upsampling_reference_test.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/upsample.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;

constexpr UpsampleMode kNearest = UpsampleMode::nearest, kBilinear = UpsampleMode::bilinear;

TEST(UpsampleOp, NearestByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, dt);
    EXPECT_TRUE(values_near(upsample(x, {.scale_factor = 2}), {1, 1, 4, 4}, dt,
                            {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
    // 2 -> 3: source floor(dst * 2/3) = 0, 0, 1 (PyTorch's 'nearest', not 'nearest-exact').
    EXPECT_TRUE(values_near(upsample(x, {.size = 3}), {1, 1, 3, 3}, dt, {1, 1, 2, 1, 1, 2, 3, 3, 4}));
    // Shrinking 2 -> 1 keeps the first row and column; scale {1, 1.5} gives 2 x 3.
    EXPECT_TRUE(values_near(upsample(x, {.size = 1}), {1, 1, 1, 1}, dt, {1}));
    EXPECT_TRUE(values_near(upsample(x, {.scale_factor = {1, 1.5}}), {1, 1, 2, 3}, dt, {1, 1, 2, 3, 3, 4}));
  }
}

TEST(UpsampleOp, BilinearByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, dt);
    // align_corners: the corners stay, the middle is the mean of its neighbours.
    EXPECT_TRUE(values_near(upsample(x, {.size = 3, .mode = kBilinear, .align_corners = true}), {1, 1, 3, 3}, dt,
                            {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}));
    // Pixel areas: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (the last pixel with itself).
    EXPECT_TRUE(values_near(upsample(x, {.scale_factor = 2, .mode = kBilinear}), {1, 1, 4, 4}, dt,
                            {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}));
    // One output row with align_corners: scale 0, the first row.
    EXPECT_TRUE(values_near(upsample(x, {.size = {1, 3}, .mode = kBilinear, .align_corners = true}), {1, 1, 1, 3},
                            dt, {1, 1.5, 2}));
  }
}

TEST(UpsampleOp, NearestBackwardSumsTheCopies) {
  Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, DType::f64).copy();
  x.set_requires_grad();
  // Rows 0, 0, 1 and columns 0, 0, 1: pixel (0,0) feeds 4 outputs, (0,1) and (1,0) 2, (1,1) 1.
  upsample(x, {.size = 3}).backward(ones({1, 1, 3, 3}, DType::f64));
  EXPECT_TRUE(values_near(x.grad(), {1, 1, 2, 2}, DType::f64, {4, 2, 2, 1}));
}

struct Case {
  const char* name;
  Shape x;
  UpsampleParams params;
};

const Case kCases[] = {
    {"nearest_scale2", {2, 2, 3, 4}, {.scale_factor = 2}},
    {"nearest_scale3", {1, 2, 2, 3}, {.scale_factor = 3}},
    {"nearest_scale1_5x2_5", {1, 1, 4, 3}, {.scale_factor = {1.5, 2.5}}},
    {"nearest_size7x9", {1, 2, 4, 5}, {.size = {7, 9}}},
    {"nearest_shrink", {1, 1, 5, 6}, {.size = {3, 4}}},
    {"bilinear_scale2", {2, 2, 3, 4}, {.scale_factor = 2, .mode = kBilinear}},
    {"bilinear_size7x9", {1, 2, 4, 5}, {.size = {7, 9}, .mode = kBilinear}},
    {"bilinear_scale0_6", {1, 1, 6, 7}, {.scale_factor = 0.6, .mode = kBilinear}},
    {"bilinear_one_axis_unchanged", {1, 1, 4, 3}, {.size = {4, 7}, .mode = kBilinear}},
    {"bilinear_align_scale2", {2, 2, 3, 4}, {.scale_factor = 2, .mode = kBilinear, .align_corners = true}},
    {"bilinear_align_size7x9", {1, 2, 4, 5}, {.size = {7, 9}, .mode = kBilinear, .align_corners = true}},
    {"bilinear_align_shrink", {1, 1, 6, 5}, {.size = {4, 2}, .mode = kBilinear, .align_corners = true}},
    {"bilinear_align_single_row", {1, 1, 3, 4}, {.size = {1, 6}, .mode = kBilinear, .align_corners = true}},
};

TEST(UpsampleGradcheck, EveryCase) {
  std::uint64_t seed = 30;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const UpsampleParams p = c.params;
    EXPECT_TRUE(gradcheck([p](const std::vector<Tensor>& in) { return upsample(in[0], p); }, {random64(c.x, seed++)}));
  }
}

TEST(UpsampleOp, Float32MatchesFloat64AndThreadCountsAgree) {
  // Large enough (64 planes of 16x16 -> 32x32) that two threads split the planes.
  const int saved = num_threads();
  Generator gen(11);
  const Tensor x32 = uniform({8, 8, 16, 16}, -1, 1, gen);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    set_num_threads(1);
    const Tensor one = upsample(x32, c.params);
    set_num_threads(2);
    Tensor x = x32.copy();
    x.set_requires_grad();
    const Tensor two = upsample(x, c.params);
    ASSERT_EQ(one.shape(), two.shape());
    for (std::int64_t i = 0; i < one.numel(); ++i) ASSERT_EQ(one.data<float>()[i], two.data<float>()[i]) << i;
    const Tensor ref = upsample(x32.to(DType::f64), c.params);
    const std::vector<double> want(ref.data<double>(), ref.data<double>() + ref.numel());
    // Bilinear weights are computed in float32 (as PyTorch does), which moves a source
    // coordinate by up to ~1e-6 on these sizes.
    EXPECT_TRUE(values_near(two, ref.shape(), DType::f32, want, 1e-5));
    two.backward(ones(two.shape()));
    EXPECT_EQ(x.grad().shape(), x.shape());
  }
  set_num_threads(saved);
}

TEST(UpsampleOp, ErrorsNameTheOpAndTheShapes) {
  const Tensor x = zeros({1, 2, 3, 4});
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {}); },
                                {"upsample: give exactly one of size and scale_factor, got neither"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {.size = 5, .scale_factor = 2}); }, {"got both"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {.size = {5, -1}}); }, {"upsample: size must be positive, got 5x-1"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {.scale_factor = -2}); },
                                {"upsample: scale_factor must be positive, got -2"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {.scale_factor = 0.2}); },
                                {"upsample: input and output sizes must be positive", "[1, 2, 3, 4] -> 0x0",
                                 "floor(size * scale_factor 0.2)"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(x, {.scale_factor = 2, .align_corners = true}); },
                                {"upsample: align_corners can only be set with mode bilinear", "got mode nearest"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(zeros({2, 3, 4}), {.scale_factor = 2}); },
                                {"upsample: expected an input [N, C, H, W], got shape [2, 3, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(zeros({1, 1, 2, 2}, DType::i64), {.scale_factor = 2}); },
                                {"upsample: expected a float32 or float64 input, got int64"}));
  EXPECT_TRUE(throws_error_with([&] { upsample(Tensor(), {.scale_factor = 2}); }, {"upsample: the input is undefined"}));
}

}  // namespace
}  // namespace soma
