// read_image: the one translation unit that compiles stb_image (static, so no other copy
// of stb can clash with it).
#include "image.h"

#include <algorithm>
#include <cctype>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

#include <soma/core/error.h>

namespace soma::cli {

bool is_image_file(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* known : {"png", "jpg", "jpeg", "bmp", "gif", "tga", "pgm", "ppm"})
    if (ext == known) return true;
  return false;
}

Tensor read_image(const std::string& path, const std::vector<std::int64_t>& shape) {
  const std::int64_t channels = shape[0], height = shape[1], width = shape[2];
  SOMA_CHECK(channels == 1 || channels == 3, "'", path, "': the model takes ", channels,
             " channels; images give 1 (grey) or 3 (RGB)");
  int w = 0, h = 0, file_channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &file_channels, int(channels));
  SOMA_CHECK(pixels, "cannot read the image '", path, "': ", stbi_failure_reason());
  if (h != height || w != width) {
    stbi_image_free(pixels);
    SOMA_CHECK(false, "'", path, "' is ", w, "x", h, " pixels but the model takes ", width, "x", height, " images");
  }
  Tensor x({1, channels, height, width}, DType::f32);
  float* out = x.data<float>();
  // stb gives rows of interleaved channels (RGBRGB...); the model wants planes (RRR...GGG...).
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < height * width; ++i) out[c * height * width + i] = float(pixels[i * channels + c]) / 255.0f;
  stbi_image_free(pixels);
  return x;
}

}  // namespace soma::cli
