// Synthetic canvases: the same seed and index give the same canvas in any order, boxes are the
// tight boxes of the items' ink, counts and scales stay in range, bad options are refused.
#include <gtest/gtest.h>

#include <algorithm>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/data/canvases.h"
#include "soma/ops/view.h"

namespace soma::data {
namespace {

// Item 0: ones in rows 4..23 and columns 8..19 (ink), item 1: ones everywhere.
std::shared_ptr<TensorDataset> items() {
  Tensor x = zeros({2, 1, 28, 28});
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) {
      if (r >= 4 && r < 24 && c >= 8 && c < 20) x.set({0, 0, r, c}, 1);
      x.set({1, 0, r, c}, 1);
    }
  return std::make_shared<TensorDataset>(x, tensor({4, 7}, DType::i64));
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.data<float>(), a.data<float>() + a.numel(), b.data<float>());
}

TEST(Canvases, DeterministicFromSeedAndIndexInAnyOrder) {
  const Canvases c(items(), {.size = 48, .count = 10, .min_items = 0, .max_items = 3, .min_scale = 10, .max_scale = 30, .seed = 5});
  const std::vector<std::int64_t> forward = {2, 7, 3}, backward = {3, 7, 2};
  const Batch a = c.get(forward), b = c.get(backward), again = Canvases(items(), c.options()).get(forward);
  EXPECT_TRUE(same(a.x, again.x));
  EXPECT_TRUE(same(a.y, again.y));
  EXPECT_TRUE(same(slice(a.x, 0, 0, 1), slice(b.x, 0, 2, 3)));
  EXPECT_TRUE(same(slice(a.y, 0, 1, 2), slice(b.y, 0, 1, 2)));
  EXPECT_EQ(a.x.shape(), Shape({3, 1, 48, 48}));
  EXPECT_EQ(a.y.shape(), Shape({3, 3, 5}));
  CanvasOptions other = c.options();
  other.seed = 6;
  EXPECT_FALSE(same(a.x, Canvases(items(), other).get(forward).x));
}

TEST(Canvases, BoxesAreTheTightBoxesOfTheInk) {
  const Canvases c(items(), {.size = 64, .count = 40, .min_items = 1, .max_items = 4, .min_scale = 12, .max_scale = 40, .seed = 9});
  std::vector<float> pixels(64 * 64);
  std::int64_t seen = 0;
  for (std::int64_t i = 0; i < c.size(); ++i) {
    const auto objects = c.draw(i, pixels.data());
    ASSERT_LE(objects.size(), 4u);
    seen += std::int64_t(objects.size());
    auto ink = [&](std::int64_t x, std::int64_t y) { return pixels[std::size_t(y * 64 + x)] >= 0.1f; };
    for (const CanvasObject& o : objects) {
      EXPECT_TRUE(o.label == 4 || o.label == 7);
      ASSERT_TRUE(0 <= o.x1 && o.x1 < o.x2 && o.x2 <= 1 && 0 <= o.y1 && o.y1 < o.y2 && o.y2 <= 1);
      const auto x1 = std::int64_t(o.x1 * 64 + 0.5), x2 = std::int64_t(o.x2 * 64 + 0.5);
      const auto y1 = std::int64_t(o.y1 * 64 + 0.5), y2 = std::int64_t(o.y2 * 64 + 0.5);
      EXPECT_GE(x2 - x1, 1);
      // Tight: each side of the box has ink on it.
      bool left = false, right = false, top = false, bottom = false;
      for (std::int64_t y = y1; y < y2; ++y) left |= ink(x1, y), right |= ink(x2 - 1, y);
      for (std::int64_t x = x1; x < x2; ++x) top |= ink(x, y1), bottom |= ink(x, y2 - 1);
      EXPECT_TRUE(left && right && top && bottom) << "canvas " << i;
    }
    // Every inked pixel lies in some box.
    for (std::int64_t y = 0; y < 64; ++y)
      for (std::int64_t x = 0; x < 64; ++x)
        if (ink(x, y))
          EXPECT_TRUE(std::any_of(objects.begin(), objects.end(), [&](const CanvasObject& o) {
            return x + 0.5 > o.x1 * 64 && x + 0.5 < o.x2 * 64 && y + 0.5 > o.y1 * 64 && y + 0.5 < o.y2 * 64;
          })) << "canvas " << i << " pixel " << x << ", " << y;
  }
  EXPECT_GT(seen, 40);  // 1-4 items on each of 40 canvases, few left out for overlap
}

TEST(Canvases, AFullItemFillsItsScaledSquare) {
  // Item 1 is all ink, so its box is the pasted square: side between min and max scale.
  auto only_full = std::make_shared<TensorDataset>(slice(items()->x(), 0, 1, 2).copy(), tensor({7}, DType::i64));
  const Canvases c(only_full, {.size = 32, .count = 5, .min_scale = 10, .max_scale = 12, .seed = 1});
  std::vector<float> pixels(32 * 32);
  for (std::int64_t i = 0; i < 5; ++i) {
    const auto objects = c.draw(i, pixels.data());
    ASSERT_EQ(objects.size(), 1u);
    const double side = (objects[0].x2 - objects[0].x1) * 32;
    EXPECT_NEAR(side, (objects[0].y2 - objects[0].y1) * 32, 1e-9);
    EXPECT_TRUE(side > 9.5 && side < 12.5) << side;
    EXPECT_EQ(objects[0].label, 7);
  }
}

TEST(Canvases, RefusesBadOptionsAndItems) {
  EXPECT_THROW(Canvases(items(), {.size = 32, .max_scale = 40}), Error);           // item larger than the canvas
  EXPECT_THROW(Canvases(items(), {.min_items = 2, .max_items = 1}), Error);
  EXPECT_THROW(Canvases(items(), {.count = 0}), Error);
  EXPECT_THROW(Canvases(items(), {.max_overlap = 1.5}), Error);
  EXPECT_THROW(Canvases(std::make_shared<TensorDataset>(zeros({2, 1, 32, 32}), tensor({0, 1}, DType::i64))), Error);
  EXPECT_THROW(Canvases(std::make_shared<TensorDataset>(zeros({2, 1, 28, 28}))), Error);  // no labels
  const Canvases c(items(), {.count = 3});
  std::vector<float> pixels(64 * 64);
  EXPECT_THROW(c.draw(3, pixels.data()), Error);
  try {
    Canvases(items(), {.size = 32, .max_scale = 40});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Canvases"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace soma::data
