// Image augmentations. Like transforms.cpp: raw loops into a fresh tensor, outside autograd,
// never writing into the batch the dataset handed out. Every example draws its own random
// numbers from the batch's generator in example order, so a batch is reproducible from its seed.
#include "soma/data/augment.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace soma::data {
namespace {

// x [N, ..., H, W] seen as N examples of `planes` planes of H x W.
struct Images {
  std::int64_t n, planes, h, w;
};

Images images_of(const Tensor& x, const char* name) {
  SOMA_CHECK(x.dim() >= 3, name, ": expected images x [N, ..., H, W] (e.g. [N, C, H, W]), got shape ", x.shape());
  const std::int64_t n = x.size(0), h = x.size(-2), w = x.size(-1);
  return {n, n * h * w != 0 ? x.numel() / (n * h * w) : 0, h, w};
}

void check_floating(const Tensor& x, const char* name) {
  SOMA_CHECK(x.dtype() != DType::i64, name, ": expected a float32 or float64 x, got int64");
}

// The window [top, top + out_h) x [left, left + out_w) of each example padded by `pad` cells
// of `fill`, the corner drawn uniformly (row, then column) as torchvision's RandomCrop.
Tensor crop(const Tensor& x, std::int64_t out_h, std::int64_t out_w, std::int64_t pad, double fill, Generator& gen,
            const char* name) {
  const Images im = images_of(x, name);
  const std::int64_t padded_h = im.h + 2 * pad, padded_w = im.w + 2 * pad;
  SOMA_CHECK(out_h <= padded_h && out_w <= padded_w, name, ": a ", out_h, "x", out_w, " window does not fit in ",
             im.h, "x", im.w, " images padded by ", pad, " (", padded_h, "x", padded_w, ")");
  Shape shape = x.shape();
  shape[shape.dim() - 2] = out_h;
  shape[shape.dim() - 1] = out_w;
  Tensor out(shape, x.dtype());
  dispatch_all(x.dtype(), [&]<class T>() {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    for (std::int64_t i = 0; i < im.n; ++i) {
      // The corner in input coordinates (negative when it lies in the padding).
      const std::int64_t top = std::int64_t(gen.below(std::uint64_t(padded_h - out_h + 1))) - pad;
      const std::int64_t left = std::int64_t(gen.below(std::uint64_t(padded_w - out_w + 1))) - pad;
      for (std::int64_t p = 0; p < im.planes; ++p) {
        const T* plane = src + (i * im.planes + p) * im.h * im.w;
        T* to = dst + (i * im.planes + p) * out_h * out_w;
        for (std::int64_t r = 0; r < out_h; ++r)
          for (std::int64_t c = 0; c < out_w; ++c) {
            const std::int64_t sr = top + r, sc = left + c;
            const bool inside = sr >= 0 && sr < im.h && sc >= 0 && sc < im.w;
            to[r * out_w + c] = inside ? plane[sr * im.w + sc] : T(fill);
          }
      }
    }
  });
  return out;
}

// Writes example i of x, rotated by `degrees` about its centre, into out (same shape).
void rotate_example(const Tensor& x, Tensor& out, std::int64_t i, double degrees, Interpolation interpolation,
                    double fill_value) {
  const Images im = images_of(x, "rotate");
  const std::int64_t area = im.h * im.w;
  const double cy = double(im.h - 1) / 2, cx = double(im.w - 1) / 2;
  const double angle = degrees * std::numbers::pi / 180;
  const double cos_a = std::cos(angle), sin_a = std::sin(angle);
  dispatch_floating(x.dtype(), "rotate", [&]<class T>() {
    const T fill = T(fill_value);
    const T* src = x.data<T>() + i * im.planes * area;
    T* dst = out.data<T>() + i * im.planes * area;
    // The value of input cell (r, c) of plane p, `fill` outside the image.
    auto at = [&](std::int64_t p, std::int64_t r, std::int64_t c) {
      return r >= 0 && r < im.h && c >= 0 && c < im.w ? src[p * area + r * im.w + c] : fill;
    };
    for (std::int64_t r = 0; r < im.h; ++r)
      for (std::int64_t c = 0; c < im.w; ++c) {
        // Inverse rotation: where output (r, c) comes from. With rows growing downwards, a
        // positive angle turns the picture counter-clockwise. At 0 degrees (sx, sy) = (c, r)
        // exactly, so both interpolations copy.
        const double dx = double(c) - cx, dy = double(r) - cy;
        const double sx = cx + dx * cos_a - dy * sin_a, sy = cy + dx * sin_a + dy * cos_a;
        if (interpolation == Interpolation::nearest) {
          const auto sr = std::int64_t(std::nearbyint(sy)), sc = std::int64_t(std::nearbyint(sx));
          for (std::int64_t p = 0; p < im.planes; ++p) dst[p * area + r * im.w + c] = at(p, sr, sc);
          continue;
        }
        const double fy = std::floor(sy), fx = std::floor(sx);
        const auto r0 = std::int64_t(fy), c0 = std::int64_t(fx);
        const double wy = sy - fy, wx = sx - fx;
        for (std::int64_t p = 0; p < im.planes; ++p) {
          const double top = (1 - wx) * double(at(p, r0, c0)) + wx * double(at(p, r0, c0 + 1));
          const double bottom = (1 - wx) * double(at(p, r0 + 1, c0)) + wx * double(at(p, r0 + 1, c0 + 1));
          dst[p * area + r * im.w + c] = T((1 - wy) * top + wy * bottom);
        }
      }
  });
}

}  // namespace

Transform random_crop(const RandomCropOptions& options) {
  SOMA_CHECK(options.height >= 1 && options.width >= 1, "random_crop: height and width must be >= 1, got ",
             options.height, " and ", options.width);
  SOMA_CHECK(options.padding >= 0, "random_crop: padding must be >= 0, got ", options.padding);
  return [options](Batch batch, Generator& gen) {
    batch.x = crop(batch.x, options.height, options.width, options.padding, options.fill, gen, "random_crop");
    return batch;
  };
}

Transform random_shift(std::int64_t max_shift) {
  SOMA_CHECK(max_shift >= 0, "random_shift: max_shift must be >= 0, got ", max_shift);
  return [max_shift](Batch batch, Generator& gen) {
    const Images im = images_of(batch.x, "random_shift");
    batch.x = crop(batch.x, im.h, im.w, max_shift, 0, gen, "random_shift");
    return batch;
  };
}

Transform random_rotation(const RandomRotationOptions& options) {
  SOMA_CHECK(options.degrees >= 0 && options.degrees <= 180, "random_rotation: degrees must be in [0, 180], got ",
             options.degrees);
  return [options](Batch batch, Generator& gen) {
    const Images im = images_of(batch.x, "random_rotation");
    check_floating(batch.x, "random_rotation");
    Tensor out(batch.x.shape(), batch.x.dtype());
    for (std::int64_t i = 0; i < im.n; ++i)
      rotate_example(batch.x, out, i, gen.uniform(-options.degrees, options.degrees), options.interpolation,
                     options.fill);
    batch.x = out;
    return batch;
  };
}

Tensor rotate(const Tensor& x, double degrees, Interpolation interpolation, double fill) {
  const Images im = images_of(x, "rotate");
  check_floating(x, "rotate");
  Tensor out(x.shape(), x.dtype());
  for (std::int64_t i = 0; i < im.n; ++i) rotate_example(x, out, i, degrees, interpolation, fill);
  return out;
}

Transform gaussian_noise(double std_dev, double mean) {
  SOMA_CHECK(std_dev >= 0, "gaussian_noise: std_dev must be >= 0, got ", std_dev);
  return [std_dev, mean](Batch batch, Generator& gen) {
    const Tensor& x = batch.x;
    check_floating(x, "gaussian_noise");
    Tensor out(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), "gaussian_noise", [&]<class T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (std::int64_t k = 0, n = x.numel(); k < n; ++k) dst[k] = src[k] + T(mean + std_dev * gen.normal());
    });
    batch.x = out;
    return batch;
  };
}

Transform random_erasing(const RandomErasingOptions& options) {
  const auto [scale_low, scale_high] = options.scale;
  const auto [ratio_low, ratio_high] = options.ratio;
  SOMA_CHECK(options.p >= 0 && options.p <= 1, "random_erasing: p must be in [0, 1], got ", options.p);
  SOMA_CHECK(scale_low >= 0 && scale_low <= scale_high && scale_high <= 1,
             "random_erasing: scale must be {low, high} with 0 <= low <= high <= 1, got {", scale_low, ", ",
             scale_high, "}");
  SOMA_CHECK(ratio_low > 0 && ratio_low <= ratio_high, "random_erasing: ratio must be {low, high} with 0 < low <= high, got {",
             ratio_low, ", ", ratio_high, "}");
  return [options](Batch batch, Generator& gen) {
    const Tensor& x = batch.x;
    const Images im = images_of(x, "random_erasing");
    check_floating(x, "random_erasing");
    Tensor out(x.shape(), x.dtype());
    const std::int64_t area = im.h * im.w;
    const double log_low = std::log(options.ratio.first), log_high = std::log(options.ratio.second);
    dispatch_floating(x.dtype(), "random_erasing", [&]<class T>() {
      std::copy_n(x.data<T>(), x.numel(), out.data<T>());
      for (std::int64_t i = 0; i < im.n; ++i) {
        if (gen.uniform() >= options.p) continue;
        for (int attempt = 0; attempt < 10; ++attempt) {
          const double erase_area = double(area) * gen.uniform(options.scale.first, options.scale.second);
          const double aspect = std::exp(gen.uniform(log_low, log_high));
          // nearbyint rounds halves to even, as Python's round() in torchvision.
          const auto eh = std::int64_t(std::nearbyint(std::sqrt(erase_area * aspect)));
          const auto ew = std::int64_t(std::nearbyint(std::sqrt(erase_area / aspect)));
          if (!(eh < im.h && ew < im.w)) continue;
          const auto top = std::int64_t(gen.below(std::uint64_t(im.h - eh + 1)));
          const auto left = std::int64_t(gen.below(std::uint64_t(im.w - ew + 1)));
          T* example = out.data<T>() + i * im.planes * area;
          for (std::int64_t p = 0; p < im.planes; ++p)
            for (std::int64_t r = top; r < top + eh; ++r)
              for (std::int64_t c = left; c < left + ew; ++c)
                example[p * area + r * im.w + c] = options.random_values ? T(gen.normal()) : T(options.value);
          break;
        }
      }
    });
    batch.x = out;
    return batch;
  };
}

}  // namespace soma::data
