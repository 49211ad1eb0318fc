// Run folder layout and the files written into it (see run_folder.h).
#include "run_folder.h"

#include <fstream>
#include <thread>

#include <soma/io/atomic_file.h>
#include <soma/io/safetensors.h>
#include <soma/io/weights.h>

#include "commands.h"

namespace soma::cli {

std::string machine_description() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  return model + " (" + std::to_string(std::thread::hardware_concurrency()) + " cores)";
}

void write_json(const std::string& path, const config::Json& json) {
  const std::string text = json.dump(2) + "\n";
  io::write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

void save_model(const RunFolder& run, const nn::Module& model, const config::Json& resolved) {
  io::save_safetensors(run.model(), io::state_dict(model), {{"soma.config", resolved.dump()}, {"soma.version", version()}});
}

}  // namespace soma::cli
