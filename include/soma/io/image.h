// Images as PNG files: single images, grids of samples (as torchvision.utils.make_grid and
// save_image), and reading PNGs (and JPEG and BMP files) back as tensors. Pixel values are floats in [0, 1]: black 0,
// white 1; values outside are clamped when written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "soma/core/tensor.h"

namespace soma::io {

/// Writes `image` ([H, W], [1, H, W] grey or [3, H, W] RGB; float32 or float64, values in
/// [0, 1], clamped) to the PNG file `path`, atomically. Throws soma::Error naming `path` for
/// another shape or dtype, or when the file cannot be written.
///   io::write_png("edges.png", feature_map);
void write_png(const std::string& path, const Tensor& image);

/// Reads the PNG file `path` as float32 [C, H, W] in [0, 1]: C = 1 for grey images, 3 for
/// colour (an alpha channel is dropped). Throws soma::Error naming the file when it is
/// missing or not a readable PNG.
Tensor read_png(const std::string& path);

/// The most pixels (width x height) an image file may declare: 2^26, a 8192x8192 image.
/// Readers refuse larger ones from the header, before decoding anything.
inline constexpr std::int64_t kMaxImagePixels = std::int64_t(1) << 26;

/// An image file's size as its header declares it.
struct ImageSize {
  int width = 0, height = 0;
  int channels = 0;  ///< in the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
};

/// Reads only the header of a PNG, JPEG or BMP file: check an image against what a model takes
/// before decoding it (any size: nothing is allocated for the pixels). Throws soma::Error
/// naming the file when it is not a readable PNG, JPEG or BMP.
ImageSize image_size(const std::string& path);

/// Reads a PNG, JPEG or BMP file (told apart by content, not name) as float32 [C, H, W] in
/// [0, 1]. `channels` 0 keeps the file's colours (C = 1 grey or 3 colour, alpha dropped); 1
/// converts to grey, 3 to RGB (stb_image's conversion). Throws soma::Error naming the file when
/// it is missing or not a readable image of these kinds, when its header declares more than
/// kMaxImagePixels pixels (checked before decoding), or for other `channels`.
///   Tensor x = io::read_image("shirt.jpg", 1);  // [1, H, W]
Tensor read_image(const std::string& path, int channels = 0);

/// True when `path` ends in .png, .jpg, .jpeg or .bmp (any case): the files read_image reads.
bool is_image_file(const std::string& path);

struct GridOptions {
  int nrow = 8;              ///< images per row of the grid (torchvision's nrow)
  int padding = 2;           ///< pixels between images and around the grid
  double pad_value = 0;      ///< colour of the padding, in [0, 1]
  /// Rescale values from this range to [0, 1] first, e.g. {-1, 1} for tanh outputs.
  std::optional<std::pair<double, double>> value_range{};
};

/// Tiles images [N, C, H, W] (C = 1 or 3) into one image [C, H', W'] with `nrow` images per
/// row, like torchvision.utils.make_grid (which also always pads the border).
///   io::write_png("samples.png", io::make_grid(generator(noise), {.nrow = 8, .value_range = {{-1, 1}}}));
Tensor make_grid(const Tensor& images, const GridOptions& options = {});

/// make_grid, then write_png: torchvision.utils.save_image.
void save_image_grid(const std::string& path, const Tensor& images, const GridOptions& options = {});

}  // namespace soma::io
