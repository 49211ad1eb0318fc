// PNG encoding, and PNG, JPEG and BMP decoding, for io (private): the one translation unit
// that compiles stb's writer and reader, static, so another copy of stb elsewhere in a program
// cannot clash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "soma/io/image.h"

namespace soma::io::detail {

/// Encodes `pixels` (rows top to bottom, `channels` bytes per pixel: 1 grey, 3 RGB) as PNG
/// and writes them atomically to `path`. `what` starts error messages ("plot", "write_png").
void write_png_pixels(const std::string& path, int width, int height, int channels,
                      const std::vector<std::uint8_t>& pixels, const char* what);

/// A decoded image: `channels` bytes per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
struct DecodedImage {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

/// The size the image file's header declares (PNG, JPEG or BMP), without decoding it.
/// Throws soma::Error starting with `what` when it is unreadable.
ImageSize read_image_size(const std::string& path, const char* what);

/// Reads and decodes the image file `path`: a PNG only when `png_only`, else a PNG, JPEG or
/// BMP; its header's size is checked against kMaxImagePixels before anything is decoded. `channels` 0 keeps the file's channels; 1 or 3 converts to grey or RGB. Throws
/// soma::Error starting with `what` ("read_png") and naming the file and the reason.
DecodedImage read_image_pixels(const std::string& path, int channels, bool png_only, const char* what);

}  // namespace soma::io::detail
