// Canvases: a synthetic localization and detection data set made from an image data set such as
// Fashion-MNIST — each canvas is a black square with 0 to a few items pasted at random positions
// and scales, with the class and the box of every item. A canvas is a pure function of the seed
// and its index, drawn when a batch asks for it: no canvas is stored, any thread may draw any.
// Not here: colour, rotation, occlusion beyond the allowed overlap.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "soma/data/dataset.h"

namespace soma::data {

/// How canvases are made. Defaults: the localization set (one item on 64x64).
struct CanvasOptions {
  std::int64_t size = 64;        ///< the canvas's side in pixels (>= the largest item)
  std::int64_t count = 10'000;   ///< canvases in the data set (>= 1)
  int min_items = 1;             ///< items per canvas, drawn uniformly in [min_items, max_items]
  int max_items = 1;             ///< (0 <= min_items <= max_items <= 16)
  std::int64_t min_scale = 20;   ///< side in pixels of a pasted item (a resized 28x28 source
  std::int64_t max_scale = 44;   ///< image), uniform in [min_scale, max_scale]
  /// Largest IoU a new item's box may have with an earlier one's; a placement over it is drawn
  /// again (up to 50 times, then the item is left out). 1 allows any overlap.
  double max_overlap = 0.2;
  std::uint64_t seed = 0;        ///< canvas i is the same for the same seed, whatever the order
};

/// Fields of one object row of a canvas's target: class, x1, y1, x2, y2.
inline constexpr std::int64_t kObjectFields = 5;

/// One item on a canvas. The box is the tight box of the item's pixels >= 0.1 in pixel-edge
/// coordinates divided by the canvas size: x1, y1 (top left) and x2, y2 (bottom right) in
/// [0, 1], x1 < x2, y1 < y2; a box of pixel columns 3..5 on 64 pixels is x1 = 3/64, x2 = 6/64.
struct CanvasObject {
  std::int64_t label = 0;
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// The data set of canvases. A batch is x float32 [N, 1, size, size] in [0, 1] (items pasted
/// with max over the black background) and y float32 [N, max_items, 5]: one row (class, x1, y1,
/// x2, y2) per item, in the order pasted, then rows of class -1 and zero box for no item.
///   auto train = std::make_shared<data::Canvases>(data::fashion_mnist("train"),
///                                                 data::CanvasOptions{.count = 20000, .seed = 1});
class Canvases : public Dataset {
 public:
  /// `items` holds x [M, 1, 28, 28] float32 images in [0, 1] and y int64 [M] labels (what
  /// fashion_mnist and mnist give); items are drawn from all M. Throws soma::Error naming
  /// Canvases and the option or shape at fault otherwise.
  Canvases(std::shared_ptr<const TensorDataset> items, const CanvasOptions& options = {});

  std::int64_t size() const override { return options_.count; }
  Batch get(std::span<const std::int64_t> indices) const override;

  /// Draws canvas `index` into `pixels` (size * size floats, overwritten) and returns its items.
  /// Throws soma::Error for an index outside [0, size()).
  std::vector<CanvasObject> draw(std::int64_t index, float* pixels) const;
  const CanvasOptions& options() const { return options_; }

 private:
  std::shared_ptr<const TensorDataset> items_;
  CanvasOptions options_;
};

}  // namespace soma::data
