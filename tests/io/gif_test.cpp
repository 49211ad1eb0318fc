// Tests for soma/io/gif.h: GIFs read back with giflib's own decoder (DGifSlurp), frames
// composed as a viewer does (each later frame drawn over the canvas at its offset), checked for
// size, frame count, delay, loop count and colours — exact for few colours, nearest entry of the
// fixed palette for many — and the errors for bad frames.
#include "soma/io/gif.h"

#include <gif_lib.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "io/io_test_util.h"

namespace soma {
namespace {

using test::error_of;

class GifTest : public test::IoTest {};

io::RgbFrame filled(int width, int height, std::uint32_t colour) {
  io::RgbFrame f{width, height, std::vector<std::uint8_t>(std::size_t(width * height * 3))};
  for (int i = 0; i < width * height; ++i) {
    f.rgb[std::size_t(3 * i)] = std::uint8_t(colour >> 16);
    f.rgb[std::size_t(3 * i + 1)] = std::uint8_t(colour >> 8);
    f.rgb[std::size_t(3 * i + 2)] = std::uint8_t(colour);
  }
  return f;
}

void paint(io::RgbFrame& f, int x, int y, std::uint32_t colour) {
  std::uint8_t* p = f.rgb.data() + 3 * (std::size_t(y) * std::size_t(f.width) + std::size_t(x));
  p[0] = std::uint8_t(colour >> 16), p[1] = std::uint8_t(colour >> 8), p[2] = std::uint8_t(colour);
}

// What a viewer shows: the file's frames composed over one canvas, plus the file's settings.
struct Decoded {
  int width = 0, height = 0;
  std::vector<io::RgbFrame> frames;
  std::vector<int> delays;
  int loops = -1;  // -1: no NETSCAPE2.0 block
};

Decoded decode(const std::string& path) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
  EXPECT_NE(gif, nullptr) << GifErrorString(error);
  if (!gif) return {};
  EXPECT_EQ(DGifSlurp(gif), GIF_OK) << GifErrorString(gif->Error);
  Decoded out{gif->SWidth, gif->SHeight};
  io::RgbFrame canvas = filled(gif->SWidth, gif->SHeight, 0);
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    for (int y = 0; y < image.ImageDesc.Height; ++y)
      for (int x = 0; x < image.ImageDesc.Width; ++x) {
        const GifColorType c = map->Colors[image.RasterBits[y * image.ImageDesc.Width + x]];
        paint(canvas, image.ImageDesc.Left + x, image.ImageDesc.Top + y,
              std::uint32_t(c.Red) << 16 | std::uint32_t(c.Green) << 8 | c.Blue);
      }
    out.frames.push_back(canvas);
    GraphicsControlBlock control;
    EXPECT_EQ(DGifSavedExtensionToGCB(gif, i, &control), GIF_OK);
    out.delays.push_back(control.DelayTime);
    for (int e = 0; e + 1 < image.ExtensionBlockCount; ++e) {
      const ExtensionBlock& b = image.ExtensionBlocks[e];
      if (b.Function == APPLICATION_EXT_FUNC_CODE && b.ByteCount == 11 && std::memcmp(b.Bytes, "NETSCAPE2.0", 11) == 0)
        out.loops = image.ExtensionBlocks[e + 1].Bytes[1] | image.ExtensionBlocks[e + 1].Bytes[2] << 8;
    }
  }
  DGifCloseFile(gif, &error);
  return out;
}

// A small scene like a rendered one: a white background, a moving black block, a tan pole.
std::vector<io::RgbFrame> scene(int frames) {
  std::vector<io::RgbFrame> out;
  for (int t = 0; t < frames; ++t) {
    io::RgbFrame f = filled(23, 11, 0xffffff);
    for (int y = 6; y < 9; ++y)
      for (int x = 2 + 3 * t; x < 7 + 3 * t; ++x) paint(f, x, y, 0x000000);
    for (int y = 1; y < 6; ++y) paint(f, 4 + 3 * t, y, 0xca9865);
    out.push_back(std::move(f));
  }
  return out;
}

TEST_F(GifTest, FewColoursComeBackExactlyFrameByFrame) {
  const auto frames = scene(4);
  io::write_gif(path("scene.gif"), frames, {.delay_cs = 7, .loops = 0});
  const Decoded gif = decode(path("scene.gif"));
  EXPECT_EQ(gif.width, 23);
  EXPECT_EQ(gif.height, 11);
  ASSERT_EQ(gif.frames.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(gif.frames[i].rgb, frames[i].rgb) << "frame " << i;
  EXPECT_EQ(gif.delays, std::vector<int>(4, 7));
  EXPECT_EQ(gif.loops, 0) << "loops forever";
  EXPECT_EQ(listing(), std::vector<std::string>{"scene.gif"}) << "no temporary file is left";
}

TEST_F(GifTest, UnchangedFramesAndLoopCountSurvive) {
  std::vector<io::RgbFrame> frames(3, filled(5, 4, 0x102030));
  io::write_gif(path("still.gif"), frames, {.delay_cs = 0, .loops = 3});
  const Decoded gif = decode(path("still.gif"));
  ASSERT_EQ(gif.frames.size(), 3u);
  for (const auto& f : gif.frames) EXPECT_EQ(f.rgb, frames[0].rgb);
  EXPECT_EQ(gif.loops, 3);
}

// 512 colours: more than a palette holds, so each pixel becomes the fixed palette's nearest entry.
TEST_F(GifTest, ManyColoursTakeTheNearestFixedPaletteEntry) {
  io::RgbFrame f = filled(32, 16, 0);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) paint(f, x, y, std::uint32_t(x * 8) << 16 | std::uint32_t(y * 16) << 8 | std::uint32_t((x + y) * 5));
  const std::vector<io::RgbFrame> frames{f};
  io::write_gif(path("many.gif"), frames);
  const Decoded gif = decode(path("many.gif"));
  ASSERT_EQ(gif.frames.size(), 1u);
  // The nearest cube colour is at most 25 away in each channel; a grey is taken only when nearer.
  for (std::size_t p = 0; p < f.rgb.size(); p += 3) {
    int d = 0;
    for (std::size_t c = 0; c < 3; ++c) d += (int(gif.frames[0].rgb[p + c]) - int(f.rgb[p + c])) * (int(gif.frames[0].rgb[p + c]) - int(f.rgb[p + c]));
    EXPECT_LE(d, 3 * 25 * 25) << "pixel " << p / 3;
  }
  // Colours of the cube stay exact.
  std::vector<io::RgbFrame> mixed{f, f};
  paint(mixed[1], 0, 0, 0x336699), paint(mixed[1], 1, 0, 0x000000), paint(mixed[1], 2, 0, 0xffffff);
  io::write_gif(path("mixed.gif"), mixed);
  const Decoded back = decode(path("mixed.gif"));
  ASSERT_EQ(back.frames.size(), 2u);
  EXPECT_EQ(back.frames[1].rgb[0], 0x33);
  EXPECT_EQ(back.frames[1].rgb[1], 0x66);
  EXPECT_EQ(back.frames[1].rgb[2], 0x99);
  EXPECT_EQ(back.frames[1].rgb[3], 0);
  EXPECT_EQ(back.frames[1].rgb[6], 255);
}

TEST_F(GifTest, BadFramesAreRefusedNamingTheFile) {
  const std::string file = path("bad.gif");
  EXPECT_NE(error_of([&] { io::write_gif(file, std::vector<io::RgbFrame>{}); }).find("bad.gif': expected at least one frame, got none"),
            std::string::npos);
  const std::vector<io::RgbFrame> mismatched{filled(4, 3, 0), filled(3, 4, 0)};
  EXPECT_NE(error_of([&] { io::write_gif(file, mismatched); }).find("frame 1 is 3x4, expected the first frame's size 4x3"),
            std::string::npos);
  io::RgbFrame short_frame = filled(4, 3, 0);
  short_frame.rgb.pop_back();
  const std::vector<io::RgbFrame> truncated{short_frame};
  EXPECT_NE(error_of([&] { io::write_gif(file, truncated); }).find("should hold 36 bytes (3 per pixel), got 35"),
            std::string::npos);
  const std::vector<io::RgbFrame> empty{io::RgbFrame{}};
  EXPECT_NE(error_of([&] { io::write_gif(file, empty); }).find("frame 0 is 0x0; expected width and height in 1..65535"),
            std::string::npos);
  const std::vector<io::RgbFrame> one{filled(2, 2, 0)};
  EXPECT_NE(error_of([&] { io::write_gif(file, one, {.delay_cs = -1}); }).find("delay_cs must be in 0..65535"),
            std::string::npos);
  EXPECT_NE(error_of([&] { io::write_gif(path("no/such/dir.gif"), one); }).find("no/such/dir.gif"), std::string::npos);
  EXPECT_TRUE(listing().empty()) << "nothing is written for bad input";
}

}  // namespace
}  // namespace soma
