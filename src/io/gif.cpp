// Animated GIF writing through giflib's sequential encoder (see soma/io/gif.h). The GIF is
// built in memory and written with write_file_atomic, so a reader never sees half a file.
// GIF89a layout: screen descriptor with the global palette, the NETSCAPE2.0 loop block, then per
// frame a graphics control block (delay; "do not dispose", so the next frame draws over it) and
// the image of the rectangle that changed.
#include "soma/io/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "soma/core/error.h"
#include "soma/io/atomic_file.h"

namespace soma::io {
namespace {

constexpr int kMaxSide = 65535;  // GIF stores sizes in 16 bits
constexpr int kCubeLevels = 6, kGreys = 40;

std::uint32_t colour_at(const RgbFrame& f, std::int64_t pixel) {
  const std::uint8_t* p = f.rgb.data() + 3 * pixel;
  return std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2];
}

struct Rect {
  int left = 0, top = 0, width = 0, height = 0;
};

// The smallest rectangle holding every pixel where `now` differs from `before`; a 1x1 one when
// none does (a GIF frame cannot be empty).
Rect changed_rect(const RgbFrame& before, const RgbFrame& now) {
  int left = now.width, right = -1, top = now.height, bottom = -1;
  const std::size_t row_bytes = std::size_t(now.width) * 3;
  for (int y = 0; y < now.height; ++y) {
    const std::uint8_t* a = before.rgb.data() + y * row_bytes;
    const std::uint8_t* b = now.rgb.data() + y * row_bytes;
    if (std::memcmp(a, b, row_bytes) == 0) continue;
    top = std::min(top, y), bottom = y;
    for (int x = 0; x < now.width; ++x)
      if (std::memcmp(a + 3 * x, b + 3 * x, 3) != 0) left = std::min(left, x), right = std::max(right, x);
  }
  if (bottom < 0) return {0, 0, 1, 1};
  return {left, top, right - left + 1, bottom - top + 1};
}

// The fixed palette's entries: a 6x6x6 cube (levels 0, 51, ..., 255), then 40 greys between.
std::vector<std::uint32_t> fixed_palette() {
  std::vector<std::uint32_t> colours;
  for (int r = 0; r < kCubeLevels; ++r)
    for (int g = 0; g < kCubeLevels; ++g)
      for (int b = 0; b < kCubeLevels; ++b) colours.push_back(std::uint32_t(r * 51) << 16 | std::uint32_t(g * 51) << 8 | std::uint32_t(b * 51));
  for (int k = 0; k < kGreys; ++k) {
    const std::uint32_t v = std::uint32_t((255 * (k + 1) + 20) / (kGreys + 1));
    colours.push_back(v << 16 | v << 8 | v);
  }
  return colours;
}

int squared_distance(std::uint32_t a, std::uint32_t b) {
  int d = 0;
  for (int shift : {16, 8, 0}) {
    const int x = int(a >> shift & 255) - int(b >> shift & 255);
    d += x * x;
  }
  return d;
}

// The fixed palette's nearest entry: the nearer of the nearest cube colour and the nearest grey.
std::uint8_t nearest_fixed(std::uint32_t c, const std::vector<std::uint32_t>& palette) {
  const int r = int(c >> 16 & 255), g = int(c >> 8 & 255), b = int(c & 255);
  const int cube = ((r + 25) / 51 * kCubeLevels + (g + 25) / 51) * kCubeLevels + (b + 25) / 51;
  const int mean = (r + g + b) / 3;
  const int grey = kCubeLevels * kCubeLevels * kCubeLevels +
                   std::clamp((mean * (kGreys + 1) + 127) / 255 - 1, 0, kGreys - 1);
  return std::uint8_t(squared_distance(c, palette[std::size_t(grey)]) < squared_distance(c, palette[std::size_t(cube)]) ? grey : cube);
}

// Palette and pixel -> index for every frame's stored rectangle.
class Quantizer {
 public:
  Quantizer(std::span<const RgbFrame> frames, const std::vector<Rect>& rects) {
    std::unordered_map<std::uint32_t, std::uint8_t> exact;
    bool fits = true;
    std::uint32_t last = colour_at(frames[0], 0);
    exact.emplace(last, 0);
    palette_.push_back(last);
    for (std::size_t i = 0; i < frames.size() && fits; ++i)
      for_each_pixel(frames[i], rects[i], [&](std::uint32_t c) {
        if (c == last || !fits) return;
        last = c;
        if (exact.contains(c)) return;
        if (exact.size() == 256) return void(fits = false);
        exact.emplace(c, std::uint8_t(exact.size()));
        palette_.push_back(c);
      });
    if (fits) {
      index_ = std::move(exact);
    } else {
      palette_ = fixed_palette();
      fixed_ = true;
    }
  }

  std::uint8_t index(std::uint32_t c) const { return fixed_ ? nearest_fixed(c, palette_) : index_.at(c); }
  const std::vector<std::uint32_t>& palette() const { return palette_; }

  template <class F>
  static void for_each_pixel(const RgbFrame& f, const Rect& r, F&& f_colour) {
    for (int y = r.top; y < r.top + r.height; ++y)
      for (int x = r.left; x < r.left + r.width; ++x) f_colour(colour_at(f, std::int64_t(y) * f.width + x));
  }

 private:
  std::vector<std::uint32_t> palette_;
  std::unordered_map<std::uint32_t, std::uint8_t> index_;
  bool fixed_ = false;
};

void check_frames(const std::string& path, std::span<const RgbFrame> frames, const GifOptions& options) {
  SOMA_CHECK(!frames.empty(), "write_gif '", path, "': expected at least one frame, got none");
  const RgbFrame& first = frames[0];
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const RgbFrame& f = frames[i];
    SOMA_CHECK(f.width > 0 && f.height > 0 && f.width <= kMaxSide && f.height <= kMaxSide, "write_gif '", path,
               "': frame ", i, " is ", f.width, "x", f.height, "; expected width and height in 1..", kMaxSide);
    SOMA_CHECK(f.rgb.size() == std::size_t(f.width) * std::size_t(f.height) * 3, "write_gif '", path, "': frame ", i,
               " (", f.width, "x", f.height, ") should hold ", std::size_t(f.width) * std::size_t(f.height) * 3,
               " bytes (3 per pixel), got ", f.rgb.size());
    SOMA_CHECK(f.width == first.width && f.height == first.height, "write_gif '", path, "': frame ", i, " is ",
               f.width, "x", f.height, ", expected the first frame's size ", first.width, "x", first.height);
  }
  SOMA_CHECK(options.delay_cs >= 0 && options.delay_cs <= 65535, "write_gif '", path,
             "': delay_cs must be in 0..65535 hundredths of a second, got ", options.delay_cs);
  SOMA_CHECK(options.loops >= 0 && options.loops <= 65535, "write_gif '", path,
             "': loops must be in 0..65535 (0 forever), got ", options.loops);
}

// giflib's encoder writing into a string; closes the encoder on every path.
class Encoder {
 public:
  explicit Encoder(const std::string& path) : path_(path) {
    int error = 0;
    gif_ = EGifOpen(&bytes_, &Encoder::append, &error);
    SOMA_CHECK(gif_, "write_gif '", path_, "': giflib could not start: ", GifErrorString(error));
    EGifSetGifVersion(gif_, true);  // GIF89a: needed for the delay and loop blocks
  }
  ~Encoder() {
    if (gif_) EGifCloseFile(gif_, nullptr);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  GifFileType* operator->() const { return gif_; }
  GifFileType* get() const { return gif_; }
  void check(int status, const char* what) const {
    SOMA_CHECK(status == GIF_OK, "write_gif '", path_, "': giflib failed to ", what, ": ", GifErrorString(gif_->Error));
  }
  /// Finishes the file and returns its bytes.
  std::string finish() {
    int error = 0;
    const int status = EGifCloseFile(gif_, &error);
    gif_ = nullptr;
    SOMA_CHECK(status == GIF_OK, "write_gif '", path_, "': giflib failed to finish the file: ", GifErrorString(error));
    return std::move(bytes_);
  }

 private:
  static int append(GifFileType* gif, const GifByteType* data, int size) {
    static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), std::size_t(size));
    return size;
  }

  const std::string& path_;
  std::string bytes_;
  GifFileType* gif_ = nullptr;
};

}  // namespace

void write_gif(const std::string& path, std::span<const RgbFrame> frames, const GifOptions& options) {
  check_frames(path, frames, options);
  const int width = frames[0].width, height = frames[0].height;
  std::vector<Rect> rects{{0, 0, width, height}};
  for (std::size_t i = 1; i < frames.size(); ++i) rects.push_back(changed_rect(frames[i - 1], frames[i]));
  const Quantizer quantizer(frames, rects);

  // A colour map's size must be a power of two; the unused entries stay black.
  int map_size = 2;
  while (map_size < int(quantizer.palette().size())) map_size *= 2;
  std::vector<GifColorType> colours(std::size_t(map_size), GifColorType{0, 0, 0});
  for (std::size_t i = 0; i < quantizer.palette().size(); ++i) {
    const std::uint32_t c = quantizer.palette()[i];
    colours[i] = {GifByteType(c >> 16), GifByteType(c >> 8 & 255), GifByteType(c & 255)};
  }
  ColorMapObject* map = GifMakeMapObject(map_size, colours.data());
  SOMA_CHECK(map, "write_gif '", path, "': giflib could not make a colour map");

  Encoder gif(path);
  int bits = 1;
  while ((1 << bits) < map_size) ++bits;
  const int status = EGifPutScreenDesc(gif.get(), width, height, bits, 0, map);
  GifFreeMapObject(map);
  gif.check(status, "write the screen descriptor");

  // NETSCAPE2.0: sub-block 1 holds the loop count, little-endian.
  const GifByteType loop[3] = {1, GifByteType(options.loops & 255), GifByteType(options.loops >> 8)};
  gif.check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE), "write the loop block");
  gif.check(EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0"), "write the loop block");
  gif.check(EGifPutExtensionBlock(gif.get(), 3, loop), "write the loop block");
  gif.check(EGifPutExtensionTrailer(gif.get()), "write the loop block");

  GraphicsControlBlock control{};
  control.DisposalMode = DISPOSE_DO_NOT;
  control.DelayTime = options.delay_cs;
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType control_bytes[4];
  const std::size_t control_size = EGifGCBToExtension(&control, control_bytes);

  std::vector<GifByteType> line(static_cast<std::size_t>(width));
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Rect& r = rects[i];
    gif.check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(control_size), control_bytes), "write a delay");
    gif.check(EGifPutImageDesc(gif.get(), r.left, r.top, r.width, r.height, false, nullptr), "start a frame");
    for (int y = r.top; y < r.top + r.height; ++y) {
      // Rendered scenes are mostly runs of one colour: look up only where the colour changes.
      std::uint32_t last = colour_at(frames[i], std::int64_t(y) * width + r.left);
      GifByteType last_index = quantizer.index(last);
      for (int x = 0; x < r.width; ++x) {
        const std::uint32_t c = colour_at(frames[i], std::int64_t(y) * width + r.left + x);
        if (c != last) last = c, last_index = quantizer.index(c);
        line[std::size_t(x)] = last_index;
      }
      gif.check(EGifPutLine(gif.get(), line.data(), r.width), "write a frame");
    }
  }
  const std::string bytes = gif.finish();
  write_file_atomic(path, std::as_bytes(std::span(bytes.data(), bytes.size())));
}

}  // namespace soma::io
