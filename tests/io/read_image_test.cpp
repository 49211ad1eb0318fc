// Tests for io::read_image: JPEG and BMP files (written here with stb's writer, compiled static
// in this file only), conversion to grey or RGB, read_png refusing a JPEG, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "io/io_test_util.h"
#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/io/image.h"
#include "support/tensor_testing.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace soma {
namespace {

using test::throws_error_with;

class ReadImageTest : public test::IoTest {};

// A 6 x 4 RGB image: red 200, green 100, blue 30 everywhere but a white top-left pixel.
std::vector<unsigned char> rgb_pixels() {
  std::vector<unsigned char> p;
  for (int i = 0; i < 24; ++i) {
    const bool white = i == 0;
    p.push_back(white ? 255 : 200);
    p.push_back(white ? 255 : 100);
    p.push_back(white ? 255 : 30);
  }
  return p;
}

TEST_F(ReadImageTest, BmpIsReadExactlyAsPlanes) {
  const auto pixels = rgb_pixels();
  ASSERT_TRUE(stbi_write_bmp(path("a.bmp").c_str(), 6, 4, 3, pixels.data()));
  const Tensor x = io::read_image(path("a.bmp"));
  ASSERT_EQ(x.shape(), Shape({3, 4, 6}));
  EXPECT_EQ(x.dtype(), DType::f32);
  EXPECT_FLOAT_EQ(x.at({0, 0, 0}), 1.0f);
  EXPECT_FLOAT_EQ(x.at({0, 3, 5}), 200 / 255.0f);
  EXPECT_FLOAT_EQ(x.at({1, 3, 5}), 100 / 255.0f);
  EXPECT_FLOAT_EQ(x.at({2, 1, 2}), 30 / 255.0f);
  // Grey: one plane, stb's luminance ((77 R + 150 G + 29 B) >> 8).
  const Tensor g = io::read_image(path("a.bmp"), 1);
  ASSERT_EQ(g.shape(), Shape({1, 4, 6}));
  EXPECT_FLOAT_EQ(g.at({0, 2, 2}), float((77 * 200 + 150 * 100 + 29 * 30) >> 8) / 255.0f);
}

TEST_F(ReadImageTest, JpegIsReadCloseToWhatWasWritten) {
  const auto pixels = rgb_pixels();
  ASSERT_TRUE(stbi_write_jpg(path("a.jpg").c_str(), 6, 4, 3, pixels.data(), 100));
  const Tensor x = io::read_image(path("a.jpg"), 3);
  ASSERT_EQ(x.shape(), Shape({3, 4, 6}));
  // Lossy, but at quality 100 a flat region comes back within a few levels.
  EXPECT_NEAR(x.at({0, 3, 5}), 200 / 255.0, 6 / 255.0);
  EXPECT_NEAR(x.at({1, 3, 5}), 100 / 255.0, 6 / 255.0);
  EXPECT_NEAR(x.at({2, 3, 5}), 30 / 255.0, 6 / 255.0);
  // read_png takes PNGs only.
  EXPECT_TRUE(throws_error_with([&] { io::read_png(path("a.jpg")); }, {"a.jpg", "not a readable PNG"}));
}

TEST_F(ReadImageTest, JpegHuffmanTableWithTooManyCodesIsRefusedBeforeStb) {
  // A DHT segment whose 16 code counts sum to 320 (at most 256 fit the table): stb_image would
  // write past its table (fuzz/corpus/image/jpeg_huffman_overflow.jpg, found by fuzz/image.cpp).
  std::string jpeg = "\xFF\xD8\xFF\xC4";
  jpeg += std::string("\x00\x13\x00", 3) + std::string(16, '\x14');
  test::write_file(path("dht.jpg"), jpeg);
  for (const auto& read : std::vector<std::function<void()>>{[&] { io::read_image(path("dht.jpg")); },
                                                             [&] { io::image_size(path("dht.jpg")); }})
    EXPECT_TRUE(throws_error_with(read, {"dht.jpg", "Huffman table at byte 6 declares 320 codes; expected at most 256"}));
  // stb also takes FF fill bytes before the SOI marker.
  test::write_file(path("fill.jpg"), "\xFF\xFF" + jpeg.substr(1));
  EXPECT_TRUE(throws_error_with([&] { io::image_size(path("fill.jpg")); }, {"fill.jpg", "Huffman table at byte 7"}));
}

TEST_F(ReadImageTest, PngStillReadsAndErrorsNameTheFile) {
  io::write_png(path("g.png"), full({2, 3}, 0.6));
  const Tensor x = io::read_image(path("g.png"));
  ASSERT_EQ(x.shape(), Shape({1, 2, 3}));
  EXPECT_FLOAT_EQ(x.at({0, 1, 2}), 153 / 255.0f);
  EXPECT_EQ(io::read_image(path("g.png"), 3).shape(), Shape({3, 2, 3}));
  EXPECT_TRUE(throws_error_with([&] { io::read_image(path("none.jpg")); }, {"read_image", "none.jpg", "cannot open"}));
  test::write_file(path("text.bmp"), "not an image");
  EXPECT_TRUE(throws_error_with([&] { io::read_image(path("text.bmp")); },
                                {"read_image", "text.bmp", "not a readable PNG, JPEG or BMP file"}));
  EXPECT_TRUE(throws_error_with([&] { io::read_image(path("g.png"), 2); }, {"read_image", "g.png", "got 2"}));
  EXPECT_TRUE(io::is_image_file("a.JPEG"));
  EXPECT_TRUE(io::is_image_file("dir.x/a.png"));
  EXPECT_FALSE(io::is_image_file("a.gif"));
  EXPECT_FALSE(io::is_image_file("images"));
}

// A BMP header alone (54 bytes, no pixels) that declares width x height 24-bit pixels.
std::string bmp_header(std::uint32_t width, std::uint32_t height) {
  std::string b = "BM";
  auto le32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(char((v >> (8 * i)) & 0xff));
  };
  auto le16 = [&](std::uint16_t v) {
    b.push_back(char(v & 0xff));
    b.push_back(char(v >> 8));
  };
  le32(54), le32(0), le32(54);               // file size, reserved, pixel offset
  le32(40), le32(width), le32(height);       // BITMAPINFOHEADER
  le16(1), le16(24);                         // planes, bits per pixel
  le32(0), le32(0), le32(0), le32(0), le32(0), le32(0);
  return b;
}

// A 54-byte file declaring 65535 x 16384 pixels was decoded in full (5 GB) before its size was
// compared with anything: the header is checked first now.
TEST_F(ReadImageTest, AHugeDeclaredSizeIsRefusedFromTheHeaderBeforeDecoding) {
  test::write_file(path("huge.bmp"), bmp_header(65535, 16384));
  const io::ImageSize size = io::image_size(path("huge.bmp"));
  EXPECT_EQ(size.width, 65535);
  EXPECT_EQ(size.height, 16384);
  EXPECT_TRUE(throws_error_with([&] { io::read_image(path("huge.bmp"), 1); },
                                {"read_image", "huge.bmp", "declares 65535x16384 pixels", "at most 67108864"}));
  test::write_file(path("small.bmp"), bmp_header(28, 28));
  EXPECT_EQ(io::image_size(path("small.bmp")).width, 28);  // header only: the pixels are missing
}

}  // namespace
}  // namespace soma
