// Run folder layout and the files written into it (see run_folder.h).
#include "run_folder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <soma/io/atomic_file.h>
#include <soma/io/plot.h>
#include <soma/io/safetensors.h>
#include <soma/io/svg_chart.h>
#include <soma/io/weights.h>

#include "commands.h"

namespace soma::cli {

namespace fs = std::filesystem;

RunFolder make_run_folder(const std::string& runs_dir, const std::string& name, bool exact) {
  std::error_code ec;
  fs::create_directories(runs_dir, ec);
  SOMA_CHECK(!ec, "cannot create the runs folder '", runs_dir, "': ", ec.message());
  std::string base = name;
  if (base.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d_%H%M%S", std::localtime(&now));
    base = stamp;
  }
  SOMA_CHECK(base.find('/') == std::string::npos && base != "." && base != "..",
             "expected a run name without '/', got '", base, "'");
  std::string chosen = base;
  if (exact) {
    SOMA_CHECK(!fs::exists(fs::path(runs_dir) / chosen), "the run folder '", (fs::path(runs_dir) / chosen).string(),
               "' exists already; choose another --name, or continue it with: soma train --resume ",
               (fs::path(runs_dir) / chosen).string());
  }
  for (int k = 2; fs::exists(fs::path(runs_dir) / chosen); ++k) chosen = base + "-" + std::to_string(k);
  const fs::path dir = fs::path(runs_dir) / chosen;
  fs::create_directory(dir, ec);
  SOMA_CHECK(!ec, "cannot create the run folder '", dir.string(), "': ", ec.message());
  return {dir.string()};
}

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

namespace {

std::string value(double v) {
  if (std::isnan(v)) return "NA";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void write_text(const std::string& path, const std::string& text) {
  io::write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

// A centred moving average over `window` steps, so the trend shows through the batch noise.
std::vector<double> smooth(const std::vector<double>& y, std::size_t window) {
  std::vector<double> out(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    const std::size_t lo = i >= window / 2 ? i - window / 2 : 0, hi = std::min(y.size(), i + window / 2 + 1);
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t j = lo; j < hi; ++j)
      if (std::isfinite(y[j])) sum += y[j], ++n;
    out[i] = n ? sum / double(n) : NAN;
  }
  return out;
}

void chart(const RunFolder& run, const std::string& name, const std::vector<io::Series>& series,
           const io::PlotOptions& options) {
  io::write_line_chart(run.file(name + ".png"), series, options);
  io::write_line_chart_svg(run.file(name + ".svg"), series, options);
}

}  // namespace

void write_metrics(const RunFolder& run, const train::History& history, const std::vector<StepRecord>& steps) {
  // metrics.csv: one row per epoch.
  std::vector<std::string> names;
  for (const char* n : {"loss", "accuracy", "val_loss", "val_accuracy", "lr"})
    if (history.contains(n)) names.push_back(n);
  for (const auto& [n, v] : history.values())
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::ostringstream csv;
  csv << "epoch";
  for (const auto& n : names) csv << ',' << n;
  csv << '\n';
  for (std::int64_t i = 0; i < history.size(); ++i) {
    csv << history.epochs()[i];
    for (const auto& n : names) csv << ',' << value(history[n][i]);
    csv << '\n';
  }
  write_text(run.file("metrics.csv"), csv.str());

  // steps.csv: one row per optimizer step.
  std::ostringstream steps_csv;
  steps_csv << "step,epoch,loss,accuracy\n";
  for (const auto& s : steps)
    steps_csv << s.step << ',' << s.epoch << ',' << value(s.loss) << ',' << value(s.accuracy) << '\n';
  write_text(run.file("steps.csv"), steps_csv.str());

  if (steps.empty()) return;
  // Curves over steps: the batch values, their moving average, and the epochs' validation.
  std::vector<double> x, loss, accuracy;
  for (const auto& s : steps) {
    x.push_back(double(s.step));
    loss.push_back(s.loss);
    accuracy.push_back(s.accuracy);
  }
  const std::size_t window = std::max<std::size_t>(1, steps.size() / 50);
  // The step at which each recorded epoch ended (its last step), for the validation points.
  std::vector<double> epoch_x;
  for (std::int64_t i = 0; i < history.size(); ++i) {
    double last = NAN;
    for (const auto& s : steps)
      if (s.epoch == history.epochs()[i]) last = double(s.step);
    epoch_x.push_back(last);
  }
  auto curves = [&](const std::vector<double>& batch, const std::string& val_name, const std::string& title,
                    const std::string& file, bool log_y) {
    std::vector<io::Series> series{{.name = "train (batch)", .y = batch, .x = x}};
    if (window > 1) series.push_back({.name = "train (mean of " + std::to_string(window) + ")",
                                      .y = smooth(batch, window), .x = x});
    std::string full_title = title;
    if (history.contains(val_name)) {
      const auto& val = history[val_name];
      if (std::count_if(val.begin(), val.end(), [](double v) { return std::isfinite(v); }) >= 2) {
        series.push_back({.name = "test", .y = val, .x = epoch_x});
      } else if (!val.empty() && std::isfinite(val.back())) {
        // One point draws no line: give the value in the title instead.
        char text[64];
        std::snprintf(text, sizeof text, " - test after epoch %lld: %.4f",
                      static_cast<long long>(history.epochs().back() + 1), val.back());
        full_title += text;
      }
    }
    chart(run, file, series, {.title = full_title, .x_label = "step", .log_y = log_y});
  };
  curves(loss, "val_loss", "loss", "loss", false);
  if (std::any_of(accuracy.begin(), accuracy.end(), [](double a) { return std::isfinite(a); }))
    curves(accuracy, "val_accuracy", "accuracy", "accuracy", false);
}

void save_model(const RunFolder& run, const config::Experiment& e) {
  io::save_safetensors(run.model(), io::state_dict(*e.model.model),
                       {{"soma.config", e.resolved.dump()}, {"soma.version", version()}});
}

}  // namespace soma::cli
