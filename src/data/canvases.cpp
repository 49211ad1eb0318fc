// Canvases: items resized bilinearly (half-pixel centres, as PyTorch's interpolate with
// align_corners=False) and pasted with max, so overlapping items stay visible. Each canvas
// seeds its own Generator from (seed, index): batches can be drawn in any order, on any thread.
#include "soma/data/canvases.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "soma/core/error.h"
#include "soma/core/generator.h"

namespace soma::data {
namespace {

constexpr std::int64_t kItemSide = 28;
constexpr float kInkThreshold = 0.1f;  // pixels at least this bright belong to the item's box
constexpr int kPlacementTries = 50;
constexpr int kMostItems = 16;

// One square `side` x `side` of the 28x28 image `src`, bilinearly resized.
std::vector<float> resize(const float* src, std::int64_t side) {
  std::vector<float> out(std::size_t(side * side));
  const double scale = double(kItemSide) / double(side);
  auto coordinate = [&](std::int64_t i, std::int64_t& lo, std::int64_t& hi, double& t) {
    const double x = std::max(0.0, (double(i) + 0.5) * scale - 0.5);
    lo = std::min<std::int64_t>(std::int64_t(x), kItemSide - 1);
    hi = std::min<std::int64_t>(lo + 1, kItemSide - 1);
    t = x - double(lo);
  };
  for (std::int64_t r = 0; r < side; ++r) {
    std::int64_t r0, r1;
    double tr;
    coordinate(r, r0, r1, tr);
    for (std::int64_t c = 0; c < side; ++c) {
      std::int64_t c0, c1;
      double tc;
      coordinate(c, c0, c1, tc);
      const double top = src[r0 * kItemSide + c0] * (1 - tc) + src[r0 * kItemSide + c1] * tc;
      const double bottom = src[r1 * kItemSide + c0] * (1 - tc) + src[r1 * kItemSide + c1] * tc;
      out[std::size_t(r * side + c)] = float(top * (1 - tr) + bottom * tr);
    }
  }
  return out;
}

// The tight box of the pixels >= kInkThreshold, in pixels within the item: {x1, y1, x2, y2}
// with exclusive ends; the whole square when no pixel is that bright.
std::array<std::int64_t, 4> ink_box(const std::vector<float>& item, std::int64_t side) {
  std::int64_t x1 = side, y1 = side, x2 = 0, y2 = 0;
  for (std::int64_t r = 0; r < side; ++r)
    for (std::int64_t c = 0; c < side; ++c)
      if (item[std::size_t(r * side + c)] >= kInkThreshold) {
        x1 = std::min(x1, c), y1 = std::min(y1, r);
        x2 = std::max(x2, c + 1), y2 = std::max(y2, r + 1);
      }
  if (x1 >= x2) return {0, 0, side, side};
  return {x1, y1, x2, y2};
}

double overlap(const CanvasObject& a, const CanvasObject& b) {
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1), h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

}  // namespace

Canvases::Canvases(std::shared_ptr<const TensorDataset> items, const CanvasOptions& o)
    : items_(std::move(items)), options_(o) {
  SOMA_CHECK(items_, "Canvases: no item data set given");
  const Tensor& x = items_->x();
  SOMA_CHECK(x.dim() == 4 && x.size(1) == 1 && x.size(2) == kItemSide && x.size(3) == kItemSide &&
                 x.dtype() == DType::f32 && x.size(0) > 0,
             "Canvases: expected items x float32 [M, 1, 28, 28] with M >= 1, got ", name_of(x.dtype()), " ", x.shape());
  SOMA_CHECK(items_->y().defined() && items_->y().dtype() == DType::i64 && items_->y().dim() == 1,
             "Canvases: expected item labels y int64 [M], got ",
             items_->y().defined() ? items_->y().shape() : Shape{});
  SOMA_CHECK(o.count >= 1, "Canvases: count must be >= 1, got ", o.count);
  SOMA_CHECK(0 <= o.min_items && o.min_items <= o.max_items && o.max_items <= kMostItems,
             "Canvases: expected 0 <= min_items <= max_items <= ", kMostItems, ", got min_items ", o.min_items,
             " and max_items ", o.max_items);
  SOMA_CHECK(1 <= o.min_scale && o.min_scale <= o.max_scale && o.max_scale <= o.size,
             "Canvases: expected 1 <= min_scale <= max_scale <= size, got min_scale ", o.min_scale, ", max_scale ",
             o.max_scale, " and size ", o.size);
  SOMA_CHECK(o.max_overlap >= 0 && o.max_overlap <= 1, "Canvases: max_overlap must lie in [0, 1], got ",
             o.max_overlap);
}

std::vector<CanvasObject> Canvases::draw(std::int64_t index, float* pixels) const {
  SOMA_CHECK(index >= 0 && index < options_.count, "Canvases: index ", index, " outside [0, ", options_.count, ")");
  const CanvasOptions& o = options_;
  // A multiplier of the golden ratio spreads neighbouring indices over the seed space.
  Generator gen(o.seed * 0x9E3779B97F4A7C15ULL + std::uint64_t(index) * 0xD1B54A32D192ED03ULL + 1);
  std::fill(pixels, pixels + o.size * o.size, 0.0f);
  const auto span = [&](std::int64_t lo, std::int64_t hi) { return lo + std::int64_t(gen.below(std::uint64_t(hi - lo + 1))); };
  const std::int64_t items = span(o.min_items, o.max_items);
  const float* sources = items_->x().data<float>();
  const std::int64_t* labels = items_->y().data<std::int64_t>();
  std::vector<CanvasObject> objects;
  for (std::int64_t k = 0; k < items; ++k) {
    const auto which = std::int64_t(gen.below(std::uint64_t(items_->size())));
    const std::int64_t side = span(o.min_scale, o.max_scale);
    const std::vector<float> item = resize(sources + which * kItemSide * kItemSide, side);
    const auto ink = ink_box(item, side);
    for (int attempt = 0; attempt < kPlacementTries; ++attempt) {
      const std::int64_t left = span(0, o.size - side), top = span(0, o.size - side);
      const double s = double(o.size);
      const CanvasObject object{labels[which], double(left + ink[0]) / s, double(top + ink[1]) / s,
                                double(left + ink[2]) / s, double(top + ink[3]) / s};
      if (std::any_of(objects.begin(), objects.end(),
                      [&](const CanvasObject& other) { return overlap(object, other) > o.max_overlap; }))
        continue;
      for (std::int64_t r = 0; r < side; ++r)
        for (std::int64_t c = 0; c < side; ++c) {
          float& p = pixels[(top + r) * o.size + left + c];
          p = std::max(p, item[std::size_t(r * side + c)]);
        }
      objects.push_back(object);
      break;
    }
  }
  return objects;
}

Batch Canvases::get(std::span<const std::int64_t> indices) const {
  const auto n = std::int64_t(indices.size());
  const std::int64_t s = options_.size, k = options_.max_items;
  Batch b{Tensor({n, 1, s, s}, DType::f32), Tensor({n, k, kObjectFields}, DType::f32)};
  float* x = b.x.data<float>();
  float* y = b.y.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::vector<CanvasObject> objects = draw(indices[std::size_t(i)], x + i * s * s);
    float* rows = y + i * k * kObjectFields;
    for (std::int64_t j = 0; j < k; ++j) {
      float* row = rows + j * kObjectFields;
      if (j < std::int64_t(objects.size())) {
        const CanvasObject& a = objects[std::size_t(j)];
        row[0] = float(a.label), row[1] = float(a.x1), row[2] = float(a.y1), row[3] = float(a.x2), row[4] = float(a.y2);
      } else {
        row[0] = -1, row[1] = row[2] = row[3] = row[4] = 0;
      }
    }
  }
  return b;
}

}  // namespace soma::data
