// Elastic distortion: Simard et al. 2003's recipe. The Gaussian is applied as two 1-D passes
// (it is separable), so a 28x28 field costs 2 * 28 * 28 * (6 sigma + 1) multiply-adds.
#include "soma/data/elastic.h"

#include <cmath>
#include <vector>

namespace soma::data {

namespace {

// The normalized Gaussian taps for offsets -radius .. radius.
std::vector<double> gaussian_taps(double sigma) {
  const auto radius = std::int64_t(std::ceil(3 * sigma));
  std::vector<double> taps(std::size_t(2 * radius + 1));
  double sum = 0;
  for (std::int64_t k = -radius; k <= radius; ++k) sum += taps[std::size_t(k + radius)] = std::exp(-0.5 * k * k / (sigma * sigma));
  for (double& t : taps) t /= sum;
  return taps;
}

// field (h, w) <- field convolved with taps along rows, then columns; zero beyond the border.
void smooth(std::vector<double>& field, std::int64_t h, std::int64_t w, const std::vector<double>& taps) {
  const auto radius = std::int64_t(taps.size() / 2);
  std::vector<double> tmp(field.size(), 0.0);
  for (std::int64_t r = 0; r < h; ++r)
    for (std::int64_t c = 0; c < w; ++c)
      for (std::int64_t k = -radius; k <= radius; ++k)
        if (c + k >= 0 && c + k < w) tmp[r * w + c] += taps[std::size_t(k + radius)] * field[r * w + c + k];
  std::fill(field.begin(), field.end(), 0.0);
  for (std::int64_t r = 0; r < h; ++r)
    for (std::int64_t k = -radius; k <= radius; ++k)
      if (r + k >= 0 && r + k < h)
        for (std::int64_t c = 0; c < w; ++c) field[r * w + c] += taps[std::size_t(k + radius)] * tmp[(r + k) * w + c];
}

}  // namespace

Transform elastic_distortion(const ElasticDistortionOptions& options) {
  SOMA_CHECK(std::isfinite(options.alpha) && options.alpha >= 0, "elastic_distortion: alpha must be >= 0, got ",
             options.alpha);
  SOMA_CHECK(std::isfinite(options.sigma) && options.sigma > 0, "elastic_distortion: sigma must be > 0, got ",
             options.sigma);
  const std::vector<double> taps = gaussian_taps(options.sigma);
  return [options, taps](Batch batch, Generator& gen) {
    const Tensor& x = batch.x;
    SOMA_CHECK(x.dim() >= 3, "elastic_distortion: expected images x [N, ..., H, W] (e.g. [N, C, H, W]), got shape ",
               x.shape());
    SOMA_CHECK(x.dtype() != DType::i64, "elastic_distortion: expected a float32 or float64 x, got int64");
    const std::int64_t n = x.size(0), h = x.size(-2), w = x.size(-1), area = h * w;
    const std::int64_t planes = n * area == 0 ? 0 : x.numel() / (n * area);
    Tensor out(x.shape(), x.dtype());
    std::vector<double> dx(static_cast<std::size_t>(area)), dy(static_cast<std::size_t>(area));
    dispatch_floating(x.dtype(), "elastic_distortion", [&]<class T>() {
      for (std::int64_t i = 0; i < n; ++i) {
        for (double& d : dx) d = gen.uniform(-1.0, 1.0);
        for (double& d : dy) d = gen.uniform(-1.0, 1.0);
        smooth(dx, h, w, taps);
        smooth(dy, h, w, taps);
        const T* src = x.data<T>() + i * planes * area;
        T* dst = out.data<T>() + i * planes * area;
        for (std::int64_t p = 0; p < planes; ++p) {
          const T* plane = src + p * area;
          auto at = [&](std::int64_t r, std::int64_t c) {
            return r >= 0 && r < h && c >= 0 && c < w ? double(plane[r * w + c]) : options.fill;
          };
          for (std::int64_t r = 0; r < h; ++r)
            for (std::int64_t c = 0; c < w; ++c) {
              const double sy = double(r) + options.alpha * dy[r * w + c], sx = double(c) + options.alpha * dx[r * w + c];
              const double fy = std::floor(sy), fx = std::floor(sx), wy = sy - fy, wx = sx - fx;
              const auto r0 = std::int64_t(fy), c0 = std::int64_t(fx);
              // With a zero displacement the weights are 0 and the input value comes through exactly.
              dst[p * area + r * w + c] =
                  T((1 - wy) * ((1 - wx) * at(r0, c0) + wx * at(r0, c0 + 1)) +
                    wy * ((1 - wx) * at(r0 + 1, c0) + wx * at(r0 + 1, c0 + 1)));
            }
        }
      }
    });
    batch.x = out;
    return batch;
  };
}

}  // namespace soma::data
