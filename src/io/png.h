// PNG encoding and decoding for io (private): the one translation unit that compiles stb's
// writer and reader, static, so another copy of stb elsewhere in a program cannot clash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace soma::io::detail {

/// Encodes `pixels` (rows top to bottom, `channels` bytes per pixel: 1 grey, 3 RGB) as PNG
/// and writes them atomically to `path`. `what` starts error messages ("plot", "write_png").
void write_png_pixels(const std::string& path, int width, int height, int channels,
                      const std::vector<std::uint8_t>& pixels, const char* what);

/// A decoded image: `channels` bytes per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
struct DecodedPng {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

/// Reads and decodes the PNG file `path`; throws soma::Error naming the file and the reason.
DecodedPng read_png_pixels(const std::string& path);

}  // namespace soma::io::detail
