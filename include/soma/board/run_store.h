// RunStore: the runs of one runs folder as the dashboard shows them, read from their files
// while they are written: run.json (status, test results), config.json (a summary, a diff),
// metrics.csv, steps.csv and times.csv (CsvTable, read incrementally), and the pictures
// <tag>_epoch_<e>.png.
// A steps.csv is parsed only when a chart asks for it; the run list reads its header and last
// line, so a folder of many long runs opens fast. Safe to call from several threads. It only
// reads: it never writes, locks or creates anything under the runs folder.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace soma::board {

/// Which points of which runs a chart wants.
struct SeriesQuery {
  std::vector<std::string> runs;
  std::string file = "steps";   ///< "steps" (steps.csv) or "metrics" (metrics.csv)
  std::string column;           ///< "loss", "val_accuracy", "episode_return", ...
  std::string x = "step";       ///< "step", "epoch" (fractional within an epoch for steps.csv), or
                                ///< "time": seconds of training, from times.csv
  double smooth = 0;            ///< debiased EMA weight in [0, 1)
  std::size_t pixels = 1000;    ///< the chart's width: more than 2 per pixel are decimated to min/max
  bool log_x = false;           ///< drop x <= 0 and decimate in log x
};

class RunStore {
 public:
  /// Throws soma::Error when `runs_dir` is not a folder.
  explicit RunStore(std::string runs_dir);
  ~RunStore();

  /// Every run folder (a subfolder holding run.json, metrics.csv or steps.csv), newest first:
  /// [{name, status ("running", "finished", "stopped", "unknown"), started, config (summary
  /// pairs), final {metric: value}, steps {columns, last {...}, bytes, version}, metrics {columns,
  /// rows, version}, images {tag: [epochs]}, errors [...]}]. Values that are NaN are null.
  nlohmann::json runs();
  /// The chart's points: {aligned, series: [{run, y [], n (finite values), last (the last finite
  /// value, unsmoothed)}], x []}, one series per run of `query.runs` that has the column. When
  /// all runs together have at most 2 points per pixel, aligned is false and each series has
  /// its own x [] (every drawable point); otherwise aligned is true, x [] gives two x per pixel
  /// column shared by all runs, and each y [] the column's min and max (series.h), null where
  /// a run has no point. Throws soma::Error for a bad query.
  nlohmann::json series(const SeriesQuery& query);
  /// The run's config.json, or null when it has none or it does not parse.
  nlohmann::json config(const std::string& run);
  /// The path of `file` in run folder `run` when the dashboard may serve it: a picture, a curve,
  /// a CSV, JSON, text or Markdown file directly in a known run folder, inside the runs folder
  /// once links are resolved. "" otherwise.
  std::string file_path(const std::string& run, const std::string& file);

  const std::string& dir() const { return dir_; }

 private:
  struct Run;
  Run* find(const std::string& name);
  void scan();

  std::string dir_, canonical_dir_;
  std::mutex mutex_;  // guards runs_; each Run has its own
  std::map<std::string, std::unique_ptr<Run>> runs_;
};

}  // namespace soma::board
