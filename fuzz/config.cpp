// libFuzzer harness: a JSON file as soma reads a config, a run folder's config.json or its
// run.json: config::read_json_file, then the settings and the model built as the config layer
// builds them (the data are not loaded: they are files of their own, fuzzed by their readers).
#include <soma/config/experiment.h>
#include <soma/config/section.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".json");
  soma::config::Json json;
  try {
    json = soma::config::read_json_file(file.path());
  } catch (const soma::Error& e) {
    file.check_names_file(e);
    return 0;
  }
  try {
    soma::config::Section top(json, "", "the config");
    soma::config::read_settings(top);
    soma::config::build_model_only(json);
  } catch (const soma::Error&) {  // names the JSON path; the file is named by the caller
  }
  return 0;
}
