// libFuzzer harness: a model file as soma evaluate and predict read one: io::load into a small
// model (strict and not), and the config embedded in the metadata ("soma.config") parsed.
#include <soma/config/section.h>
#include <soma/io/safetensors.h>
#include <soma/io/weights.h>
#include <soma/nn/activation.h>
#include <soma/nn/dense.h>
#include <soma/nn/sequential.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".safetensors");
  soma::nn::Sequential net{soma::nn::Dense(4, 3), soma::nn::ReLU(), soma::nn::Dense(3, 2)};
  for (bool strict : {true, false}) {
    try {
      soma::io::load(net, file.path(), strict);
    } catch (const soma::Error& e) {
      file.check_names_file(e);
    }
  }
  try {
    const soma::io::SafetensorsFile st = soma::io::load_safetensors(file.path());
    const auto it = st.metadata.find("soma.config");
    if (it != st.metadata.end()) soma::config::parse_json(it->second, file.path() + " (soma.config)");
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  return 0;
}
