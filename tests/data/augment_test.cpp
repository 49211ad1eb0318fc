// Tests of the image augmentations (data/augment.h) and compose: geometry against hand-worked
// cases, one draw per example shared by its channels, the same output from the same seed,
// and errors that name the transform.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <utility>

#include "data_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/augment.h"
#include "soma/ops/view.h"

namespace soma {
namespace {

using data_test::same_bits;
using data_test::throws_with;

Tensor transformed(const data::Transform& t, Tensor x, std::uint64_t seed = 0) {
  Generator gen(seed);
  return t({std::move(x), Tensor()}, gen).x;
}

// n copies of one 5x5 image with a single 1 at (2, 2), in two channels (the second 2s).
Tensor bright_centres(std::int64_t n) {
  Tensor x = zeros({n, 2, 5, 5});
  for (std::int64_t i = 0; i < n; ++i) {
    x.data<float>()[(i * 2 + 0) * 25 + 12] = 1;
    x.data<float>()[(i * 2 + 1) * 25 + 12] = 2;
  }
  return x;
}

TEST(DataAugment, RandomShiftMovesTheImageByAtMostMaxShift) {
  const Tensor x = bright_centres(400);
  const Tensor out = transformed(data::random_shift(2), x, 3);
  ASSERT_EQ(out.shape(), x.shape());
  std::set<std::pair<int, int>> moves;
  for (std::int64_t i = 0; i < 400; ++i) {
    // Exactly one lit pixel per channel, at the same place in both: the channels share a draw.
    int found = 0, row = -1, col = -1;
    for (int r = 0; r < 5; ++r)
      for (int c = 0; c < 5; ++c) {
        const float a = out.at({i, 0, r, c}), b = out.at({i, 1, r, c});
        EXPECT_EQ(b, 2 * a);
        if (a != 0) ++found, row = r, col = c;
      }
    ASSERT_EQ(found, 1) << "example " << i;
    moves.insert({row - 2, col - 2});
  }
  EXPECT_EQ(moves.size(), 25u) << "every shift in [-2, 2] x [-2, 2] should occur";
  EXPECT_TRUE(same_bits(transformed(data::random_shift(2), x, 3), out));
  EXPECT_FALSE(same_bits(transformed(data::random_shift(2), x, 4), out));
  EXPECT_TRUE(same_bits(transformed(data::random_shift(0), x, 3), x));
}

TEST(DataAugment, RandomShiftFillsWithZerosAndKeepsTheRest) {
  // A 3x3 image of 1..9 shifted by up to 1: each result is the image translated by (dr, dc),
  // zeros where it came from outside.
  const Tensor x = reshape(arange(1.0, 10.0), {1, 1, 3, 3});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Tensor out = transformed(data::random_shift(1), x, seed);
    // The centre value 5 lands at (1 + dr, 1 + dc).
    int dr = -9, dc = -9;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        if (out.at({0, 0, r, c}) == 5.0f) dr = r - 1, dc = c - 1;
    ASSERT_NE(dr, -9) << "seed " << seed;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) {
        const int sr = r - dr, sc = c - dc;
        const float expected = sr >= 0 && sr < 3 && sc >= 0 && sc < 3 ? float(sr * 3 + sc + 1) : 0.0f;
        EXPECT_EQ(out.at({0, 0, r, c}), expected) << "seed " << seed << " at " << r << ", " << c;
      }
  }
}

TEST(DataAugment, RandomCropTakesAWindowOfThePaddedImage) {
  // 4x4 images 0..15, any dtype: 2x3 windows without padding are sub-blocks.
  for (DType dt : {DType::f32, DType::f64, DType::i64}) {
    const Tensor x = reshape(arange(0, 32, 1, dt), {2, 1, 4, 4});
    const Tensor out = transformed(data::random_crop({.height = 2, .width = 3}), x, 5);
    ASSERT_EQ(out.shape(), (Shape{2, 1, 2, 3}));
    EXPECT_EQ(out.dtype(), dt);
    for (std::int64_t i = 0; i < 2; ++i) {
      const double corner = out.to(DType::f64).at({i, 0, 0, 0}) - 16.0 * double(i);
      const auto top = std::int64_t(corner) / 4, left = std::int64_t(corner) % 4;
      EXPECT_LE(top, 2);
      EXPECT_LE(left, 1);
      for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c)
          EXPECT_EQ(out.to(DType::f64).at({i, 0, r, c}), 16.0 * double(i) + double((top + r) * 4 + left + c));
    }
  }
  // A window of the padded size is the whole padded image, with the fill around it.
  const Tensor one = ones({1, 1, 2, 2});
  const Tensor padded = transformed(data::random_crop({.height = 4, .width = 4, .padding = 1, .fill = -1}), one);
  EXPECT_EQ(padded.at({0, 0, 0, 0}), -1.0f);
  EXPECT_EQ(padded.at({0, 0, 1, 1}), 1.0f);
  EXPECT_EQ(padded.at({0, 0, 2, 2}), 1.0f);
  EXPECT_EQ(padded.at({0, 0, 3, 2}), -1.0f);
}

TEST(DataAugment, CropAndShiftErrorsNameTheTransform) {
  EXPECT_TRUE(throws_with([] { data::random_crop({.height = 0, .width = 3}); }, {"random_crop", ">= 1"}));
  EXPECT_TRUE(throws_with([] { data::random_crop({.height = 2, .width = 2, .padding = -1}); },
                          {"random_crop", "padding", "-1"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_crop({.height = 5, .width = 2, .padding = 1}), zeros({1, 1, 2, 2})); },
                          {"random_crop", "5x2", "2x2", "4x4"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_crop({.height = 1, .width = 1}), zeros({4, 4})); },
                          {"random_crop", "[N, ..., H, W]", "[4, 4]"}));
  EXPECT_TRUE(throws_with([] { data::random_shift(-2); }, {"random_shift", "-2"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_shift(1), zeros({3})); }, {"random_shift", "[3]"}));
}

TEST(DataAugment, RotateTurnsCounterClockwise) {
  // [[0 1 2] [3 4 5] [6 7 8]] turned 90 degrees counter-clockwise (numpy's rot90).
  const Tensor x = reshape(arange(9.0), {1, 1, 3, 3});
  const std::vector<float> expected = {2, 5, 8, 1, 4, 7, 0, 3, 6};
  for (auto mode : {data::Interpolation::nearest, data::Interpolation::bilinear}) {
    const Tensor out = data::rotate(x, 90, mode);
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(out.data<float>()[k], expected[k], 1e-5) << k;
    EXPECT_TRUE(same_bits(data::rotate(x, 0, mode), x));
  }
  // 45 degrees, nearest, 5x5: corner (0, 0) comes from (2 - 2 sqrt 2, 2) = (-0.83, 2), outside,
  // so it takes the fill; the centre stays; (0, 2) comes from up-right, (0.59, 3.41), rounded to (1, 3).
  const Tensor five = reshape(arange(25.0), {1, 1, 5, 5});
  const Tensor turned = data::rotate(five, 45, data::Interpolation::nearest, -1);
  EXPECT_EQ(turned.at({0, 0, 2, 2}), 12.0f);
  EXPECT_EQ(turned.at({0, 0, 0, 0}), -1.0f);
  EXPECT_EQ(turned.at({0, 0, 0, 2}), 8.0f);
  // Bilinear, 180 degrees: a row 0 1 2 comes out reversed.
  const Tensor row = reshape(arange(3.0), {1, 1, 1, 3});
  const Tensor reversed = data::rotate(row, 180, data::Interpolation::bilinear);
  EXPECT_NEAR(reversed.at({0, 0, 0, 0}), 2.0f, 1e-5);
  EXPECT_NEAR(reversed.at({0, 0, 0, 2}), 0.0f, 1e-5);
  EXPECT_TRUE(throws_with([] { data::rotate(zeros({2, 2}), 10); }, {"rotate", "[2, 2]"}));
  EXPECT_TRUE(throws_with([] { data::rotate(zeros({1, 2, 2}, DType::i64), 10); }, {"rotate", "int64"}));
}

TEST(DataAugment, RandomRotationDrawsOneAnglePerExample) {
  const Tensor x = reshape(arange(2.0 * 2 * 7 * 7), {2, 2, 7, 7});
  for (auto mode : {data::Interpolation::nearest, data::Interpolation::bilinear}) {
    const data::Transform t = data::random_rotation({.degrees = 30, .interpolation = mode});
    const Tensor out = transformed(t, x, 11);
    // The same as rotate() with the angles drawn in order from the same seed.
    Generator gen(11);
    const double a0 = gen.uniform(-30, 30), a1 = gen.uniform(-30, 30);
    EXPECT_TRUE(same_bits(slice(out, 0, 0, 1), data::rotate(slice(x, 0, 0, 1), a0, mode)));
    EXPECT_TRUE(same_bits(slice(out, 0, 1, 2), data::rotate(slice(x, 0, 1, 2), a1, mode)));
    EXPECT_TRUE(same_bits(transformed(t, x, 11), out));
    EXPECT_FALSE(same_bits(out, x));
    EXPECT_TRUE(same_bits(transformed(data::random_rotation({.degrees = 0, .interpolation = mode}), x, 11), x));
  }
  EXPECT_TRUE(throws_with([] { data::random_rotation({.degrees = -5}); }, {"random_rotation", "[0, 180]", "-5"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_rotation({.degrees = 5}), zeros({2, 3})); },
                          {"random_rotation", "[2, 3]"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_rotation({.degrees = 5}), zeros({1, 2, 3}, DType::i64)); },
                          {"random_rotation", "int64"}));
}

TEST(DataAugment, GaussianNoiseHasTheAskedMeanAndStd) {
  const Tensor x = full({4, 1, 50, 50}, 0.5);
  const Tensor out = transformed(data::gaussian_noise(0.1, 0.2), x, 2);
  double sum = 0, sum_sq = 0;
  const std::int64_t n = out.numel();
  for (std::int64_t k = 0; k < n; ++k) {
    const double d = double(out.data<float>()[k]) - 0.5;
    sum += d;
    sum_sq += d * d;
  }
  const double mean = sum / double(n), sd = std::sqrt(sum_sq / double(n) - mean * mean);
  EXPECT_NEAR(mean, 0.2, 0.01);
  EXPECT_NEAR(sd, 0.1, 0.01);
  EXPECT_TRUE(same_bits(transformed(data::gaussian_noise(0.1, 0.2), x, 2), out));
  EXPECT_FALSE(same_bits(transformed(data::gaussian_noise(0.1, 0.2), x, 3), out));
  EXPECT_TRUE(same_bits(transformed(data::gaussian_noise(0), x, 2), x));
  EXPECT_EQ(x.at({0, 0, 0, 0}), 0.5f) << "the input must not be overwritten";
  EXPECT_TRUE(throws_with([] { data::gaussian_noise(-1); }, {"gaussian_noise", "-1"}));
  EXPECT_TRUE(throws_with([] { transformed(data::gaussian_noise(1), zeros({2}, DType::i64)); }, {"gaussian_noise", "int64"}));
}

TEST(DataAugment, RandomErasingErasesOneRectangleWithinScale) {
  const std::int64_t n = 200, size = 64;
  const Tensor x = ones({n, 3, size, size});
  const data::RandomErasingOptions options{.p = 1, .scale = {0.05, 0.2}, .ratio = {0.5, 2}, .value = 0};
  const Tensor out = transformed(data::random_erasing(options), x, 7);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t zeros_seen = 0, top = size, bottom = -1, left = size, right = -1;
    for (std::int64_t r = 0; r < size; ++r)
      for (std::int64_t c = 0; c < size; ++c) {
        const float v = out.at({i, 0, r, c});
        EXPECT_EQ(out.at({i, 1, r, c}), v);
        EXPECT_EQ(out.at({i, 2, r, c}), v);
        if (v != 0) continue;
        ++zeros_seen;
        top = std::min(top, r), bottom = std::max(bottom, r), left = std::min(left, c), right = std::max(right, c);
      }
    ASSERT_GT(zeros_seen, 0) << "example " << i << " was not erased";
    const std::int64_t h = bottom - top + 1, w = right - left + 1;
    EXPECT_EQ(zeros_seen, h * w) << "example " << i << ": the erased cells are not a rectangle";
    // Rounding h and w to whole cells moves the area by at most about (h + w) / 2 + 1/4 cells.
    const double slack = double(h + w) / 2 + 0.25, area = double(size * size);
    EXPECT_GE(double(zeros_seen) + slack, 0.05 * area) << "example " << i;
    EXPECT_LE(double(zeros_seen) - slack, 0.2 * area) << "example " << i;
    EXPECT_GE(double(h) / double(w), 0.5 * 0.8) << "example " << i;
    EXPECT_LE(double(h) / double(w), 2 * 1.25) << "example " << i;
  }
  EXPECT_TRUE(same_bits(transformed(data::random_erasing(options), x, 7), out));
  EXPECT_TRUE(same_bits(transformed(data::random_erasing({.p = 0}), x, 7), x));
  // value 'random': normal draws, not one constant.
  const Tensor noisy = transformed(data::random_erasing({.p = 1, .scale = {0.2, 0.2}, .random_values = true}), x, 1);
  std::set<float> values;
  for (std::int64_t k = 0; k < size * size; ++k) values.insert(noisy.data<float>()[k]);
  EXPECT_GT(values.size(), 100u);
}

TEST(DataAugment, RandomErasingErrorsNameTheTransform) {
  EXPECT_TRUE(throws_with([] { data::random_erasing({.p = 1.5}); }, {"random_erasing", "p", "1.5"}));
  EXPECT_TRUE(throws_with([] { data::random_erasing({.scale = {0.5, 0.2}}); }, {"random_erasing", "scale", "0.5"}));
  EXPECT_TRUE(throws_with([] { data::random_erasing({.scale = {0.1, 1.2}}); }, {"random_erasing", "scale", "1.2"}));
  EXPECT_TRUE(throws_with([] { data::random_erasing({.ratio = {0, 1}}); }, {"random_erasing", "ratio"}));
  EXPECT_TRUE(throws_with([] { data::random_erasing({.ratio = {3, 1}}); }, {"random_erasing", "ratio", "3"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_erasing(), zeros({2, 8})); }, {"random_erasing", "[2, 8]"}));
  EXPECT_TRUE(throws_with([] { transformed(data::random_erasing(), zeros({1, 8, 8}, DType::i64)); },
                          {"random_erasing", "int64"}));
}

TEST(DataAugment, ComposeAppliesInOrderFromOneGenerator) {
  const Tensor x = reshape(arange(1.0, 5.0), {1, 1, 2, 2});
  EXPECT_EQ(transformed(data::compose({data::scale(2), data::normalize({1}, {3})}), x).at({0, 0, 1, 1}), 7.0f / 3);
  // The random transforms draw one after the other from the batch's generator.
  const Tensor big = reshape(arange(2.0 * 8 * 8), {2, 1, 8, 8});
  const auto shift = data::random_shift(2);
  const auto erase = data::random_erasing({.p = 1});
  const Tensor composed = transformed(data::compose({shift, erase}), big, 4);
  Generator gen(4);
  data::Batch batch{big, Tensor()};
  batch = erase(shift(batch, gen), gen);
  EXPECT_TRUE(same_bits(composed, batch.x));
  EXPECT_TRUE(same_bits(transformed(data::compose({}), big), big));
  EXPECT_TRUE(throws_with([] { data::compose({data::scale(1), data::Transform()}); }, {"compose", "transform 1 of 2"}));
}

}  // namespace
}  // namespace soma
