// libFuzzer harness: io::load_checkpoint on any bytes, then what a trainer reads back: the
// tensors by prefix and the metadata as text, integers and reals.
#include <soma/io/checkpoint.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".safetensors");
  soma::io::Checkpoint ckpt;
  try {
    ckpt = soma::io::load_checkpoint(file.path());
  } catch (const soma::Error& e) {
    file.check_names_file(e);
    return 0;
  }
  ckpt.take_map("model");
  ckpt.take("optimizer");
  for (const auto& [key, value] : ckpt.metadata) {
    ckpt.text(key);
    try {
      ckpt.integer(key);
    } catch (const soma::Error&) {  // not an integer: names the key, not the file (already read)
    }
    try {
      ckpt.real(key);
    } catch (const soma::Error&) {
    }
  }
  return 0;
}
