// libFuzzer harness: data::read_npy on any bytes, as float (the file's dtype) and as int64.
#include <soma/data/npy.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".npy");
  for (auto dtype : {std::optional<soma::DType>{}, std::optional<soma::DType>{soma::DType::i64}}) {
    try {
      soma::data::read_npy(file.path(), dtype);
    } catch (const soma::Error& e) {
      file.check_names_file(e);
    }
  }
  return 0;
}
