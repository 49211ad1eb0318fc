// Images for soma predict: PNG, JPEG, BMP, GIF, ... through stb_image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <soma/core/tensor.h>

namespace soma::cli {

/// True for the file extensions read_image reads (.png .jpg .jpeg .bmp .gif .tga .pgm .ppm).
bool is_image_file(const std::string& path);

/// One image as float32 [1, C, H, W] with pixel / 255, converted to `shape`'s channels (1 grey
/// or 3 RGB). Throws soma::Error naming the file when it cannot be read or its size is not
/// shape's H x W.
Tensor read_image(const std::string& path, const std::vector<std::int64_t>& shape);

}  // namespace soma::cli
