// Run folders: runs/<name>/ with the resolved config, run.json (seed, version, machine,
// threads, status), metrics.csv and steps.csv, loss and accuracy curves (PNG and SVG),
// checkpoint.safetensors, model.safetensors and report.md. This file knows the layout; the
// train command decides when each part is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <soma/config/experiment.h>
#include <soma/train/history.h>

namespace soma::cli {

/// One optimizer step's values, as the step log records them.
struct StepRecord {
  std::int64_t step = 0;
  std::int64_t epoch = 0;
  double loss = 0;
  double accuracy = 0;  ///< NaN when the task has no accuracy
};

/// Paths inside a run folder.
struct RunFolder {
  std::string dir;
  std::string file(const std::string& name) const { return dir + "/" + name; }
  std::string config() const { return file("config.json"); }
  std::string checkpoint() const { return file("checkpoint.safetensors"); }
  std::string model() const { return file("model.safetensors"); }
};

/// A new folder under `runs_dir`: `name`, or a timestamp (2026-12-04_183012) when empty, with
/// "-2", "-3", ... added when taken. With `exact` (a --name) a taken name is an error instead,
/// suggesting --resume. Throws soma::Error when the folder cannot be made.
RunFolder make_run_folder(const std::string& runs_dir, const std::string& name, bool exact);

/// "AMD EPYC 9B14 (2 cores)".
std::string machine_description();

/// Writes `json` pretty-printed to `path`, atomically.
void write_json(const std::string& path, const config::Json& json);

/// Writes metrics.csv (per epoch, from the history), steps.csv (per step) and the curves
/// loss.{png,svg} and accuracy.{png,svg}.
void write_metrics(const RunFolder& run, const train::History& history, const std::vector<StepRecord>& steps);

/// The model's weights plus the resolved config in the metadata ("soma.config"), so the file
/// alone is enough for soma evaluate and predict.
void save_model(const RunFolder& run, const config::Experiment& e);

}  // namespace soma::cli
