// libFuzzer harness: io::load_safetensors on any bytes, then every tensor's name looked up.
#include <soma/io/safetensors.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".safetensors");
  try {
    const soma::io::SafetensorsFile st = soma::io::load_safetensors(file.path());
    for (const auto& [name, t] : st.tensors) st.at(name);
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  return 0;
}
