// Tests for soma/io/image.h: PNG round trips (grey and RGB, rounding and clamping), the grid
// layout of make_grid against hand-placed pixels, value_range, and the errors for bad shapes,
// missing, foreign and truncated files.
#include "soma/io/image.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/io_test_util.h"
#include "soma/core/factory.h"
#include "ops/op_test_util.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using test::throws_error_with;
using test::values;

class ImageTest : public test::IoTest {};

// Values that are exact multiples of 1/255 survive the 8-bit round trip.
Tensor levels(const Shape& shape, int start) {
  std::vector<double> v(std::size_t(shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = double((start + 37 * i) % 256) / 255.0;
  return from_data(v, shape);
}

TEST_F(ImageTest, GreyImageRoundTripsThroughPng) {
  const Tensor image = levels({5, 7}, 3);
  io::write_png(path("grey.png"), image);
  const Tensor back = io::read_png(path("grey.png"));
  ASSERT_EQ(back.shape(), Shape({1, 5, 7}));
  EXPECT_EQ(values(back), values(image));
  EXPECT_EQ(listing(), std::vector<std::string>{"grey.png"}) << "no temporary file is left";
}

TEST_F(ImageTest, RgbImageRoundTripsChannelByChannel) {
  const Tensor image = levels({3, 4, 6}, 10);
  io::write_png(path("rgb.png"), image.to(DType::f64));
  const Tensor back = io::read_png(path("rgb.png"));
  ASSERT_EQ(back.shape(), Shape({3, 4, 6}));
  EXPECT_EQ(values(back), values(image));
}

TEST_F(ImageTest, ValuesAreClampedAndRoundedAsTorchvision) {
  io::write_png(path("c.png"), tensor({{-0.5, 0.1, 1.7, NAN}}));
  // 0.1 * 255 + 0.5 = 26.0 -> 26; NaN is written black.
  const auto v = values(io::read_png(path("c.png")));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_NEAR(v[1], 26.0 / 255.0, 1e-7);
  EXPECT_EQ(v[2], 1.0);
  EXPECT_EQ(v[3], 0.0);
}

TEST(MakeGrid, PlacesImagesRowByRowWithPadding) {
  // Three 1x2x2 images, two per row, padding 1: grid 1 x (2*3+1) x (2*3+1).
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[i] = (i + 1) / 100.0;
  const Tensor grid = io::make_grid(from_data(v, {3, 1, 2, 2}, DType::f64), {.nrow = 2, .padding = 1, .pad_value = 0.5});
  ASSERT_EQ(grid.shape(), Shape({1, 7, 7}));
  EXPECT_EQ(grid.dtype(), DType::f64);
  EXPECT_EQ(grid.at({0, 0, 0}), 0.5);
  EXPECT_EQ(grid.at({0, 1, 1}), 0.01);  // image 0 at (1, 1)
  EXPECT_EQ(grid.at({0, 2, 2}), 0.04);
  EXPECT_EQ(grid.at({0, 1, 4}), 0.05);  // image 1 at (1, 4)
  EXPECT_EQ(grid.at({0, 4, 1}), 0.09);  // image 2 starts the second row at (4, 1)
  EXPECT_EQ(grid.at({0, 5, 5}), 0.5) << "the empty cell keeps the padding colour";
}

TEST(MakeGrid, ValueRangeRescalesTanhOutputs) {
  const Tensor grid = io::make_grid(tensor({-1.0, 0.0, 1.0, 0.5}, {1, 1, 2, 2}), {.padding = 0, .value_range = {{-1, 1}}});
  EXPECT_EQ(values(grid), (std::vector<double>{0.0, 0.5, 1.0, 0.75}));
}

TEST_F(ImageTest, BadShapesAndFilesNameTheProblem) {
  EXPECT_TRUE(throws_error_with([&] { io::write_png(path("a.png"), zeros({2, 4, 4})); },
                                {"a.png", "[H, W], [1, H, W] or [3, H, W]", "[2, 4, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { io::write_png(path("a.png"), zeros({4, 4}, DType::i64)); }, {"a.png", "int64"}));
  EXPECT_TRUE(throws_error_with([&] { io::make_grid(zeros({2, 2, 4, 4})); }, {"make_grid", "[N, C, H, W]", "[2, 2, 4, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { io::make_grid(zeros({1, 1, 2, 2}), {.nrow = 0}); }, {"nrow", "0"}));
  EXPECT_TRUE(throws_error_with([&] { io::read_png(path("missing.png")); }, {"missing.png", "cannot open"}));
  test::write_file(path("text.png"), "not an image at all");
  EXPECT_TRUE(throws_error_with([&] { io::read_png(path("text.png")); }, {"text.png", "not a readable PNG"}));
  io::write_png(path("ok.png"), levels({8, 8}, 1));
  const std::string bytes = test::read_file(path("ok.png"));
  test::write_file(path("cut.png"), bytes.substr(0, bytes.size() / 2));
  EXPECT_TRUE(throws_error_with([&] { io::read_png(path("cut.png")); }, {"cut.png", "not a readable PNG"}));
  EXPECT_TRUE(throws_error_with([&] { io::write_png((dir_ / "no/such/dir/a.png").string(), zeros({2, 2})); }, {"a.png"}));
}

}  // namespace
}  // namespace soma
