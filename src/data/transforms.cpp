// Batch transforms. Raw loops into a fresh tensor rather than ops: the data layer stays outside
// autograd, and a dataset may hand out views of its own storage that must not be overwritten.
#include "soma/data/transforms.h"

#include <algorithm>
#include <utility>

namespace soma::data {

Transform normalize(std::vector<double> mean, std::vector<double> std_dev) {
  SOMA_CHECK(!mean.empty() && mean.size() == std_dev.size(), "normalize: mean and std need the same ",
             "non-zero number of values, got ", mean.size(), " and ", std_dev.size());
  for (double s : std_dev) SOMA_CHECK(s > 0, "normalize: std must be positive, got ", s);
  return [mean = std::move(mean), std_dev = std::move(std_dev)](Batch batch, Generator&) {
    const Tensor& x = batch.x;
    const std::int64_t channels = std::int64_t(mean.size());
    if (channels > 1)
      SOMA_CHECK(x.dim() >= 2 && x.size(1) == channels, "normalize: ", channels,
                 " channel means for x of shape ", x.shape(), " (expected [N, ", channels, ", ...])");
    Tensor out(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), "normalize", [&]<class T>() {
      // x is [N, C, inner]; with one value, treat it as a single channel.
      const std::int64_t n = channels > 1 ? x.size(0) : 1;
      const std::int64_t inner = n && channels ? x.numel() / (n * channels) : 0;
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t c = 0; c < channels; ++c) {
          // Subtract then divide, as torchvision does, so results match it bit for bit.
          const T m = T(mean[c]), s = T(std_dev[c]);
          const std::int64_t at = (i * channels + c) * inner;
          for (std::int64_t k = 0; k < inner; ++k) dst[at + k] = (src[at + k] - m) / s;
        }
    });
    batch.x = out;
    return batch;
  };
}

Transform scale(double factor) {
  return [factor](Batch batch, Generator&) {
    const Tensor& x = batch.x;
    Tensor out(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), "scale", [&]<class T>() {
      const T f = T(factor);
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (std::int64_t i = 0, n = x.numel(); i < n; ++i) dst[i] = src[i] * f;
    });
    batch.x = out;
    return batch;
  };
}

Transform random_horizontal_flip(double p) {
  SOMA_CHECK(p >= 0 && p <= 1, "random_horizontal_flip: p must be in [0, 1], got ", p);
  return [p](Batch batch, Generator& gen) {
    const Tensor& x = batch.x;
    SOMA_CHECK(x.dim() >= 2, "random_horizontal_flip: expected x [N, ..., W], got shape ", x.shape());
    Tensor out(x.shape(), x.dtype());
    const std::int64_t n = x.size(0), w = x.size(-1);
    const std::int64_t rows = n && w ? x.numel() / (n * w) : 0;  // rows of width W per example
    const std::size_t item = size_of(x.dtype());
    const auto* src = static_cast<const char*>(x.raw_data());
    auto* dst = static_cast<char*>(out.raw_data());
    for (std::int64_t i = 0; i < n; ++i) {
      const bool flip = gen.uniform() < p;  // drawn for every example: the stream stays aligned
      const std::size_t bytes = std::size_t(rows * w) * item;
      const char* from = src + std::size_t(i) * bytes;
      char* to = dst + std::size_t(i) * bytes;
      if (!flip) {
        std::copy(from, from + bytes, to);
        continue;
      }
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t k = 0; k < w; ++k)
          std::copy_n(from + std::size_t(r * w + k) * item, item, to + std::size_t(r * w + w - 1 - k) * item);
    }
    batch.x = out;
    return batch;
  };
}

Transform compose(std::vector<Transform> transforms) {
  for (std::size_t i = 0; i < transforms.size(); ++i)
    SOMA_CHECK(bool(transforms[i]), "compose: transform ", i, " of ", transforms.size(), " is empty");
  return [transforms = std::move(transforms)](Batch batch, Generator& gen) {
    for (const Transform& t : transforms) batch = t(std::move(batch), gen);
    return batch;
  };
}

}  // namespace soma::data
