// libFuzzer harness: io::image_size, then io::read_image (PNG, JPEG or BMP, told apart by
// content) with the file's channels, grey and RGB, and io::read_png. As a caller should (the CLI
// does), the pixels are decoded only when the header's size is one a model could take: a
// 500-byte file may rightly declare an 8192x8192 image, and decoding that is slow, not wrong.
#include <soma/io/image.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::int64_t kMaxDecodedPixels = std::int64_t(1) << 20;
  const soma::fuzz::FuzzFile file(data, size, ".img");
  try {
    const soma::io::ImageSize s = soma::io::image_size(file.path());
    if (std::int64_t(s.width) * s.height > kMaxDecodedPixels) return 0;
    for (int channels : {0, 1, 3}) soma::io::read_image(file.path(), channels);
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  try {
    const soma::io::ImageSize s = soma::io::image_size(file.path());
    if (std::int64_t(s.width) * s.height <= kMaxDecodedPixels) soma::io::read_png(file.path());
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  return 0;
}
