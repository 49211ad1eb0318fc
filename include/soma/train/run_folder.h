// Run folders: where a run leaves its record. choose_run_folder names runs/<name>/,
// make_run_folder creates it atomically (of two processes, one gets it), RunFolderLock keeps
// a second writer out for as long as the first lives;
// RunFolderSink, a sink of the event stream, writes into it as training goes:
//   steps.csv    one row per step ("step,epoch,<values>"), appended and flushed per step
//   metrics.csv  one row per epoch ("epoch,<logs>"), appended and flushed per epoch
//   <value>.png/.svg  a curve per step value (batch values, moving mean, val_<value> per epoch)
//   <tag>_epoch_<e>.png  the learner's pictures (a GAN's samples), <tag>.txt its text
//   report.md    a summary table, the epochs, the curves
// The files can be read while they are written (a dashboard); a resumed run first drops the
// rows written after its checkpoint, so a killed and resumed run leaves the same files as one
// that never stopped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "soma/train/events.h"

namespace soma::train {

/// The path of a new folder under `runs_dir`: `name`, or a timestamp (2026-12-04_183012) when
/// empty, with "-2", "-3", ... added when taken; with `exact`, `runs_dir/name` even when taken.
/// Creates nothing: a run builds its config, data and model first, then make_run_folder.
/// Throws soma::Error for a name with '/' or one that is "." or "..".
std::string choose_run_folder(const std::string& runs_dir, const std::string& name, bool exact);

/// Creates `dir` (and its parents) with one mkdir that fails when `dir` exists: returns false,
/// creating nothing, when it does, so of two processes making one folder exactly one gets true.
/// Throws soma::Error naming the folder when it cannot be made for another reason.
bool make_run_folder(const std::string& dir);

/// choose_run_folder then make_run_folder, trying the next free name when another process
/// took the chosen one meanwhile (with `exact`, a taken name throws soma::Error instead).
std::string create_run_folder(const std::string& runs_dir, const std::string& name, bool exact);

/// An exclusive lock on a run folder: flock on its file "lock" (created when missing), held
/// until destroyed, so that a second process writing or resuming the same folder fails instead
/// of mixing two runs' files. Taking it also removes the temporary files (".<name>.<pid>.<n>.tmp",
/// see io/atomic_file.h) that writers killed mid-write left behind.
/// Throws soma::Error naming the folder when another process holds the lock.
class RunFolderLock {
 public:
  explicit RunFolderLock(const std::string& dir);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

 private:
  int fd_ = -1;
};

struct RunFolderOptions {
  /// Least time between two redraws of the curves and report.md, in seconds (default 5);
  /// they are always drawn when training ends.
  double redraw_seconds = 5;
};

class RunFolderSink : public Sink {
 public:
  /// Writes into the existing folder `dir`. Throws soma::Error when it is not a folder.
  explicit RunFolderSink(std::string dir, RunFolderOptions options = {});
  ~RunFolderSink() override;
  RunFolderSink(const RunFolderSink&) = delete;
  RunFolderSink& operator=(const RunFolderSink&) = delete;

  /// Rows of the report's opening table ({"seed", "0"}, {"test accuracy", "91.2%"}, ...);
  /// replaces the earlier ones. write_report() to rewrite report.md with them.
  void set_summary(std::vector<std::pair<std::string, std::string>> rows) { summary_ = std::move(rows); }
  /// Redraws the curves and report.md now.
  void write_report();
  const std::string& dir() const { return dir_; }

  void on_begin(std::int64_t epochs, std::int64_t step, std::int64_t epoch) override;
  void on_step(const StepEvent& event) override;
  void on_epoch_end(const EpochEvent& event) override;
  void on_images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low, double high) override;
  void on_text(const std::string& tag, std::int64_t step, const std::string& text) override;
  void on_end() override;

  /// One CSV table as the sink keeps it: column names and rows of numbers (NaN for "NA").
  struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<double>> rows;
  };
  /// Reads a table this sink wrote; a missing file gives an empty table, a half-written last
  /// line is dropped. Throws soma::Error naming the file when a complete row does not parse.
  static Table read_table(const std::string& path);

 private:
  struct Log;  // one appended CSV file
  void append(Log& log, const std::vector<std::pair<std::string, double>>& row);
  void redraw_if_due();
  void draw_curves();
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
  RunFolderOptions options_;
  std::vector<std::pair<std::string, std::string>> summary_;
  std::unique_ptr<Log> steps_, metrics_;
  std::vector<std::string> pictures_;  // image files written, for the report
  double last_draw_ = -1e300;
};

}  // namespace soma::train
