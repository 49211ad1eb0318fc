// The CLI's part of a run folder: the resolved config, run.json (seed, version, machine,
// threads, status), checkpoint.safetensors and model.safetensors. The training record in it
// (metrics.csv, steps.csv, curves, report.md) is written by the library's
// train::RunFolderSink; the train command wires it and decides when each part is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <soma/config/experiment.h>
#include <soma/train/history.h>

namespace soma::cli {

/// Paths inside a run folder.
struct RunFolder {
  std::string dir;
  std::string file(const std::string& name) const { return dir + "/" + name; }
  std::string config() const { return file("config.json"); }
  std::string checkpoint() const { return file("checkpoint.safetensors"); }
  std::string model() const { return file("model.safetensors"); }
};

/// "AMD EPYC 9B14 (2 cores)".
std::string machine_description();

/// Writes `json` pretty-printed to `path`, atomically.
void write_json(const std::string& path, const config::Json& json);

/// The model's weights (a GAN's: both players, "generator.*" and "discriminator.*") plus the
/// resolved config in the metadata ("soma.config"), so the file alone is enough for soma
/// evaluate and predict.
void save_model(const RunFolder& run, const nn::Module& model, const config::Json& resolved);

}  // namespace soma::cli
