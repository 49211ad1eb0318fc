// PNG through stb_image_write, PNG, JPEG and BMP through stb_image (see png.h), compiled
// static here only, with only the decoders soma reads.
#include "png.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

#include "soma/core/error.h"
#include "soma/io/atomic_file.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace soma::io::detail {

void write_png_pixels(const std::string& path, int width, int height, int channels,
                      const std::vector<std::uint8_t>& pixels, const char* what) {
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), size);
  };
  SOMA_CHECK(stbi_write_png_to_func(append, &png, width, height, channels, pixels.data(), width * channels), what,
             " '", path, "': PNG encoding failed");
  write_file_atomic(path, std::as_bytes(std::span(png.data(), png.size())));
}

namespace {

std::string read_whole(const std::string& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  SOMA_CHECK(file, what, ": cannot open '", path, "': ", std::strerror(errno));
  std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  SOMA_CHECK(!file.bad(), what, ": cannot read '", path, "'");
  SOMA_CHECK(bytes.size() < std::size_t(INT32_MAX), what, ": '", path, "' has ", bytes.size(),
             " bytes, more than an image file soma reads (2 GiB)");
  return bytes;
}

// Debian 12's stb_image builds a JPEG Huffman table without checking that the 16 code counts of
// a DHT segment sum to at most 256: a corrupt file writes past the table, in stbi_info as in
// stbi_load (found by fuzz/image.cpp; newer stb refuses it). Every FF C4 in the file is read as
// a DHT marker, as stb may meet one between scans; the tables are read as stb reads them
// (bytes past the end count 0). Only for files stb takes for a JPEG (an SOI marker first).
void check_jpeg_huffman_tables(const std::string& bytes, const std::string& path, const char* what) {
  const auto at = [&](std::size_t i) { return i < bytes.size() ? unsigned(std::uint8_t(bytes[i])) : 0u; };
  std::size_t soi = 1;  // stb takes FF, any number of FF fill bytes, then D8
  while (at(soi) == 0xFF) ++soi;
  if (at(0) != 0xFF || at(soi) != 0xD8) return;
  for (std::size_t marker = soi + 1; marker + 1 < bytes.size(); ++marker) {
    if (at(marker) != 0xFF || at(marker + 1) != 0xC4) continue;
    std::int64_t left = std::int64_t(at(marker + 2) << 8 | at(marker + 3)) - 2;
    for (std::size_t table = marker + 4; left > 0 && table < bytes.size();) {
      unsigned codes = 0;
      for (std::size_t i = 1; i <= 16; ++i) codes += at(table + i);
      SOMA_CHECK(codes <= 256, what, ": '", path, "' is not a readable JPEG file (the Huffman table at byte ", table,
                 " declares ", codes, " codes; expected at most 256)");
      table += 17 + codes;
      left -= 17 + std::int64_t(codes);
    }
  }
}

// The header's size, read without decoding.
ImageSize header_size(const std::string& bytes, const std::string& path, bool png_only, const char* what) {
  if (!png_only) check_jpeg_huffman_tables(bytes, path, what);
  ImageSize size;
  SOMA_CHECK(stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()), &size.width,
                                   &size.height, &size.channels),
             what, ": '", path, "' is not a readable ", png_only ? "PNG" : "PNG, JPEG or BMP", " file (",
             stbi_failure_reason(), ")");
  return size;
}

}  // namespace

ImageSize read_image_size(const std::string& path, const char* what) {
  return header_size(read_whole(path, what), path, false, what);
}

DecodedImage read_image_pixels(const std::string& path, int channels, bool png_only, const char* what) {
  const std::string bytes = read_whole(path, what);
  static const char kPngSignature[] = "\x89PNG\r\n\x1a\n";
  SOMA_CHECK(!png_only || bytes.compare(0, 8, kPngSignature, 8) == 0, what, ": '", path,
             "' is not a readable PNG file (no PNG signature)");
  const ImageSize size = header_size(bytes, path, png_only, what);
  SOMA_CHECK(std::int64_t(size.width) * size.height <= kMaxImagePixels, what, ": '", path, "' declares ", size.width,
             "x", size.height, " pixels in its header; expected at most ", kMaxImagePixels, " pixels");
  DecodedImage image;
  std::uint8_t* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()),
                                               &image.width, &image.height, &image.channels, channels);
  SOMA_CHECK(pixels, what, ": '", path, "' is not a readable ", png_only ? "PNG" : "PNG, JPEG or BMP", " file (",
             stbi_failure_reason(), ")");
  if (channels != 0) image.channels = channels;  // stb converted to the channels asked for
  image.pixels.assign(pixels, pixels + std::size_t(image.width) * image.height * image.channels);
  stbi_image_free(pixels);
  return image;
}

}  // namespace soma::io::detail
