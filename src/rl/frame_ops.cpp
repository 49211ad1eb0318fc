#include "soma/rl/frame_ops.h"

#include <algorithm>
#include <cmath>

#include "soma/core/error.h"

namespace soma::rl {

Frame grayscale(const Frame& frame) {
  SOMA_CHECK(frame.channels == 3, "grayscale: the frame must be RGB (3 channels), has ", frame.channels);
  Frame out(frame.height, frame.width, 1);
  const std::int64_t n = frame.height * frame.width;
  const std::uint8_t* in = frame.pixels.data();
  // Integer weights in thousandths; + 500 rounds to nearest.
  for (std::int64_t i = 0; i < n; ++i, in += 3)
    out.pixels[i] = std::uint8_t((299 * in[0] + 587 * in[1] + 114 * in[2] + 500) / 1000);
  return out;
}

Frame crop(const Frame& frame, std::int64_t row, std::int64_t col, std::int64_t height, std::int64_t width) {
  SOMA_CHECK(height >= 1 && width >= 1 && row >= 0 && col >= 0 && row + height <= frame.height &&
                 col + width <= frame.width,
             "crop: the window ", height, "x", width, " at (row ", row, ", col ", col, ") does not fit in the ",
             frame.height, "x", frame.width, " frame");
  Frame out(height, width, frame.channels);
  for (std::int64_t r = 0; r < height; ++r)
    std::copy_n(frame.at(row + r, col), width * frame.channels, out.at(r, 0));
  return out;
}

namespace {
// For each output index along one axis: the input indices it covers and their weights
// (the length of the overlap, in input pixels).
struct Tap {
  std::int64_t index;
  double weight;
};
std::vector<std::vector<Tap>> area_taps(std::int64_t in, std::int64_t out) {
  const double step = double(in) / double(out);
  std::vector<std::vector<Tap>> taps(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const double begin = o * step, end = (o + 1) * step;
    for (auto i = std::int64_t(std::floor(begin)); i < std::min<std::int64_t>(in, std::int64_t(std::ceil(end))); ++i) {
      const double w = std::min(end, double(i + 1)) - std::max(begin, double(i));
      if (w > 1e-12) taps[o].push_back({i, w});
    }
  }
  return taps;
}
}  // namespace

Frame resize_area(const Frame& frame, std::int64_t height, std::int64_t width) {
  SOMA_CHECK(height >= 1 && width >= 1, "resize_area: the target size must be at least 1x1, got ", height, "x", width);
  SOMA_CHECK(frame.height >= 1 && frame.width >= 1, "resize_area: the frame is empty (", frame.height, "x",
             frame.width, ")");
  const auto rows = area_taps(frame.height, height), cols = area_taps(frame.width, width);
  const double area = double(frame.height) / height * double(frame.width) / width;
  Frame out(height, width, frame.channels);
  for (std::int64_t r = 0; r < height; ++r)
    for (std::int64_t c = 0; c < width; ++c)
      for (std::int64_t ch = 0; ch < frame.channels; ++ch) {
        double sum = 0;
        for (const Tap& tr : rows[r])
          for (const Tap& tc : cols[c]) sum += tr.weight * tc.weight * frame.at(tr.index, tc.index)[ch];
        out.at(r, c)[ch] = std::uint8_t(std::min(255.0, std::floor(sum / area + 0.5)));
      }
  return out;
}

}  // namespace soma::rl
