// libFuzzer harness: data::read_idx on gzipped IDX files. The fuzzer's bytes are the IDX file,
// gzipped here, so mutations reach the header and body checks behind the decompressor (the idx
// harness feeds damaged gzip streams).
#include <zlib.h>

#include <soma/data/idx.h>

#include <vector>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();  // 16: gzip
  std::vector<std::uint8_t> gz(deflateBound(&z, uLong(size)));
  z.next_in = const_cast<std::uint8_t*>(data);
  z.avail_in = uInt(size);
  z.next_out = gz.data();
  z.avail_out = uInt(gz.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  gz.resize(z.total_out);
  deflateEnd(&z);

  const soma::fuzz::FuzzFile file(gz.data(), gz.size(), ".idx.gz");
  for (std::int64_t max_rows : {-1, 3}) {
    try {
      soma::data::read_idx(file.path(), soma::DType::f32, max_rows);
    } catch (const soma::Error& e) {
      file.check_names_file(e);
    }
  }
  return 0;
}
