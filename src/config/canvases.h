// The built-in data set "canvases" of the "data" section: data::Canvases drawn from
// Fashion-MNIST or MNIST items, rendered into tensors so the config's DataSets hold them.
#pragma once

#include <cstdint>

#include "soma/config/section.h"
#include "soma/core/tensor.h"

namespace soma::config::detail {

struct CanvasSplits {
  Tensor train_x, train_y, test_x, test_y;  ///< x [N, 1, size, size], y [N, max_items, 5]
};

/// Reads the "canvases" object of `s` (source, dir, seed, size, train, test, min_items,
/// max_items, min_scale, max_scale, max_overlap; the canvas defaults from data::CanvasOptions)
/// and draws the canvases: training ones from the source's training images with its seed, test
/// ones from its test images with seed + 1; at most `limit` and `test_limit` of them when > 0.
/// Throws ConfigError naming the JSON path of a mistake or a missing source file.
CanvasSplits read_canvases(Section& s, std::int64_t limit, std::int64_t test_limit);

}  // namespace soma::config::detail
