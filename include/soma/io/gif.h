// Animated GIFs (through Debian's giflib): an episode of an agent as one file a browser plays.
// Frames are RGB bytes; GIF allows at most 256 colours, so the writer picks a palette (below).
// Not a general GIF library: no reading, no transparency, no per-frame palettes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace soma::io {

/// One picture: `rgb` holds height rows of width pixels, top row first, 3 bytes (R, G, B) each.
struct RgbFrame {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

struct GifOptions {
  int delay_cs = 4;  ///< time each frame is shown, in hundredths of a second (GIF's unit); 0..65535
  int loops = 0;     ///< times the animation plays after the first: 0 forever (NETSCAPE2.0); 0..65535
};

/// Writes `frames` (all of one size, at most 65535x65535) as an animated GIF to `path`,
/// atomically (io::AtomicFile). The palette is global: the frames' own colours exactly when
/// they use at most 256 between them (a rendered scene does), otherwise a fixed palette of a
/// 6x6x6 colour cube and 40 greys, each pixel taking the nearest entry. Each frame after the
/// first stores only the rectangle that changed.
/// Throws soma::Error naming `path` for no frames, an empty or oversized frame, a frame whose
/// size or byte count differs from what its width and height say or from the first frame's,
/// an option out of range, or when the file cannot be written.
///   io::write_gif("episode.gif", frames, {.delay_cs = 2});
void write_gif(const std::string& path, std::span<const RgbFrame> frames, const GifOptions& options = {});

}  // namespace soma::io
