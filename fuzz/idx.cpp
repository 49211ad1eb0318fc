// libFuzzer harness: data::read_idx and idx_shape on any bytes (gzip ones included: a file
// starting 1f 8b is inflated), whole, as int64, and cut to 2 rows.
#include <soma/data/idx.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".idx");
  const auto attempt = [&](auto&& read) {
    try {
      read();
    } catch (const soma::Error& e) {
      file.check_names_file(e);
    }
  };
  attempt([&] { soma::data::idx_shape(file.path()); });
  attempt([&] { soma::data::read_idx(file.path()); });
  attempt([&] { soma::data::read_idx(file.path(), soma::DType::i64); });
  attempt([&] { soma::data::read_idx(file.path(), soma::DType::f32, 2); });
  return 0;
}
