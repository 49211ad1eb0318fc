// Image tensors to and from PNG (see soma/io/image.h). Tensors are converted through float64
// here: images are small, and one code path serves both float dtypes.
#include "soma/io/image.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>
#include <vector>

#include "png.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::io {

void write_png(const std::string& path, const Tensor& image) {
  SOMA_CHECK(image.defined() && is_floating(image.dtype()), "write_png '", path,
             "': expected a float32 or float64 image tensor, got ",
             image.defined() ? name_of(image.dtype()) : "an undefined tensor");
  const Shape& s = image.shape();
  const bool grey2d = s.dim() == 2;
  const bool chw = s.dim() == 3 && (s[0] == 1 || s[0] == 3);
  SOMA_CHECK(grey2d || chw, "write_png '", path, "': expected an image [H, W], [1, H, W] or [3, H, W], got shape ", s);
  const std::int64_t channels = grey2d ? 1 : s[0], height = s[s.dim() - 2], width = s[s.dim() - 1];
  SOMA_CHECK(height > 0 && width > 0, "write_png '", path, "': the image is empty (shape ", s, ")");
  const Tensor v = image.to(DType::f64);
  const double* in = v.data<double>();
  // Planar [C, H, W] floats to interleaved bytes, rounded as torchvision does (x * 255 + 0.5).
  std::vector<std::uint8_t> pixels(std::size_t(channels * height * width));
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < height * width; ++i) {
      const double x = std::isnan(in[c * height * width + i]) ? 0.0 : in[c * height * width + i];
      pixels[std::size_t(i * channels + c)] = std::uint8_t(std::clamp(x, 0.0, 1.0) * 255 + 0.5);
    }
  detail::write_png_pixels(path, int(width), int(height), int(channels), pixels, "write_png");
}

namespace {

// Interleaved bytes (alpha dropped) as planar float32 [C, H, W] in [0, 1].
Tensor planes(const detail::DecodedImage& image) {
  const int colour = image.channels >= 3 ? 3 : 1;  // alpha (channel 2 of grey+alpha, 4 of RGBA) is dropped
  const std::int64_t hw = std::int64_t(image.height) * image.width;
  Tensor out = empty({colour, image.height, image.width}, DType::f32);
  float* o = out.data<float>();
  for (int c = 0; c < colour; ++c)
    for (std::int64_t i = 0; i < hw; ++i)
      o[c * hw + i] = float(image.pixels[std::size_t(i * image.channels + c)]) / 255.0f;
  return out;
}

}  // namespace

Tensor read_png(const std::string& path) { return planes(detail::read_image_pixels(path, 0, true, "read_png")); }

Tensor read_image(const std::string& path, int channels) {
  SOMA_CHECK(channels == 0 || channels == 1 || channels == 3, "read_image '", path,
             "': channels must be 0 (the file's), 1 (grey) or 3 (RGB), got ", channels);
  return planes(detail::read_image_pixels(path, channels, false, "read_image"));
}

ImageSize image_size(const std::string& path) { return detail::read_image_size(path, "image_size"); }

bool is_image_file(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
}

Tensor make_grid(const Tensor& images, const GridOptions& options) {
  SOMA_CHECK(images.defined() && is_floating(images.dtype()), "make_grid: expected float32 or float64 images");
  const Shape& s = images.shape();
  SOMA_CHECK(s.dim() == 4 && (s[1] == 1 || s[1] == 3) && s[0] > 0,
             "make_grid: expected images [N, C, H, W] with N > 0 and C = 1 or 3, got shape ", s);
  SOMA_CHECK(options.nrow > 0 && options.padding >= 0, "make_grid: nrow must be positive and padding >= 0, got nrow ",
             options.nrow, ", padding ", options.padding);
  double low = 0, high = 1;
  if (options.value_range) {
    std::tie(low, high) = *options.value_range;
    SOMA_CHECK(high > low, "make_grid: value_range must be (low, high) with low < high, got (", low, ", ", high, ")");
  }
  const std::int64_t n = s[0], channels = s[1], h = s[2], w = s[3], pad = options.padding;
  const std::int64_t cols = std::min<std::int64_t>(options.nrow, n), rows = (n + cols - 1) / cols;
  const std::int64_t gh = rows * (h + pad) + pad, gw = cols * (w + pad) + pad;
  Tensor grid = full({channels, gh, gw}, options.pad_value, DType::f64);
  const Tensor v = images.to(DType::f64);
  const double* in = v.data<double>();
  double* out = grid.data<double>();
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t top = pad + (k / cols) * (h + pad), left = pad + (k % cols) * (w + pad);
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          out[(c * gh + top + y) * gw + left + x] = (in[((k * channels + c) * h + y) * w + x] - low) / (high - low);
  }
  return grid.to(images.dtype());
}

void save_image_grid(const std::string& path, const Tensor& images, const GridOptions& options) {
  write_png(path, make_grid(images, options));
}

}  // namespace soma::io
