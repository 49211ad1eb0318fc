// libFuzzer harness: a JSON file as soma reads a config, a run folder's config.json or its
// run.json: config::read_json_file, then the settings and the model built as the config layer
// builds them (the data are not loaded: they are files of their own, fuzzed by their readers).
// A model with a size above 4096 anywhere is not built: a config may rightly ask for a model of
// gigabytes, and running out of memory then is the user's choice, not a reader's fault.
#include <soma/config/experiment.h>
#include <soma/config/section.h>

#include <vector>

#include "fuzz_file.h"

namespace {

// Iterative, as the JSON may be 100 levels deep.
bool has_large_number(const soma::config::Json& json) {
  std::vector<const soma::config::Json*> todo{&json};
  while (!todo.empty()) {
    const soma::config::Json* j = todo.back();
    todo.pop_back();
    if (j->is_number() && !(j->get<double>() <= 4096)) return true;  // NaN counts as large
    if (j->is_structured())
      for (const auto& child : *j) todo.push_back(&child);
  }
  return false;
}

}  // namespace

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
    if (!json.contains("model") || !has_large_number(json.at("model"))) soma::config::build_model_only(json);
  } catch (const soma::Error&) {  // names the JSON path; the file is named by the caller
  }
  return 0;
}
