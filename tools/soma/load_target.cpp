// Loading a trained model for soma evaluate, predict and export (see load_target.h).
#include "load_target.h"

#include <filesystem>

#include <soma/config/learner.h>
#include <soma/io/checkpoint.h>
#include <soma/io/safetensors.h>

namespace soma::cli {

namespace fs = std::filesystem;

Loaded load_target(const std::string& target) {
  Loaded out;
  if (fs::is_directory(target)) {
    const std::string config = target + "/config.json", model = target + "/model.safetensors",
                      checkpoint = target + "/checkpoint.safetensors";
    SOMA_CHECK(fs::exists(config), "'", target, "' has no config.json; expected a run folder made by soma train");
    out.config = config::read_json_file(config);
    out.config_origin = config;
    if (fs::exists(model)) {
      out.weights = io::load_safetensors(model).tensors;
      out.origin = model;
    } else {
      SOMA_CHECK(fs::exists(checkpoint), "'", target, "' has neither model.safetensors nor checkpoint.safetensors");
      const io::Checkpoint ckpt = io::load_checkpoint(checkpoint);
      out.weights = ckpt.take("model");
      out.origin = checkpoint + " (training did not finish)";
    }
    return out;
  }
  SOMA_CHECK(fs::exists(target), "'", target, "' does not exist; expected a run folder or a model .safetensors file");
  io::SafetensorsFile file = io::load_safetensors(target);
  const auto it = file.metadata.find("soma.config");
  SOMA_CHECK(it != file.metadata.end(), "'", target,
             "' holds weights but no soma config (metadata \"soma.config\"); give a model saved by soma train");
  out.config_origin = target + " (soma.config)";
  out.config = config::parse_json(it->second, out.config_origin);
  out.weights = std::move(file.tensors);
  out.origin = target;
  return out;
}

Loaded load_supervised(const std::string& target) {
  Loaded out = load_target(target);
  const std::string kind = config::learner_type(out.config);
  SOMA_CHECK(kind == "supervised" || kind == "autoencoder", "'", target, "' holds a ", kind,
             " learner; evaluate, predict and export take a supervised model (its test values are in run.json)");
  return out;
}

io::LoadSource load_source(const Loaded& loaded) {
  return {.origin = loaded.origin,
          .advice = "The weights do not fit the model that " + loaded.config_origin +
                    " describes; give a run folder or model file as soma train wrote it"};
}

}  // namespace soma::cli
