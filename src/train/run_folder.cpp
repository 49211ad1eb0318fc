// RunFolderSink: the run's CSV files appended row by row (and times.csv, each step's time, for
// the dashboard), its curves and report redrawn now and then, and the folder's creation (see
// run_folder.h).
#include "soma/train/run_folder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "soma/core/error.h"
#include "soma/io/atomic_file.h"
#include "soma/io/image.h"
#include "soma/io/plot.h"
#include "soma/io/svg_chart.h"

namespace soma::train {

namespace fs = std::filesystem;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string number(double v) {
  if (std::isnan(v)) return "NA";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void write_text(const std::string& path, const std::string& text) {
  io::write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

// The columns in the order people read them: loss and accuracy first, their val_ twins, then
// the rest by name, "lr" last.
int rank(const std::string& name) {
  static const char* kFirst[] = {"step", "epoch", "loss", "accuracy", "val_loss", "val_accuracy"};
  for (int i = 0; i < 6; ++i)
    if (name == kFirst[i]) return i;
  return name == "lr" ? 8 : 7;
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

std::vector<double> column(const RunFolderSink::Table& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  std::vector<double> out;
  if (it == t.columns.end()) return out;
  const auto c = std::size_t(it - t.columns.begin());
  for (const auto& row : t.rows) out.push_back(c < row.size() ? row[c] : NAN);
  return out;
}

}  // namespace

std::string choose_run_folder(const std::string& runs_dir, const std::string& name, bool exact) {
  std::string base = name;
  if (base.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d_%H%M%S", std::localtime(&now));
    base = stamp;
  }
  const std::string shown = base.size() > 80 ? base.substr(0, 80) + "..." : base;
  SOMA_CHECK(base.find('/') == std::string::npos && base != "." && base != "..",
             "expected a run name without '/', got '", shown, "'");
  SOMA_CHECK(base.size() <= 200, "expected a run name of at most 200 characters (it names a folder), got ",
             base.size(), ": '", shown, "'");
  std::string chosen = base;
  if (!exact)
    for (int k = 2; fs::exists(fs::path(runs_dir) / chosen); ++k) chosen = base + "-" + std::to_string(k);
  return (fs::path(runs_dir) / chosen).string();
}

bool make_run_folder(const std::string& dir) {
  std::error_code ec;
  const fs::path parent = fs::path(dir).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  SOMA_CHECK(!ec, "cannot create the runs folder '", parent.string(), "': ", ec.message());
  // NOTE: one mkdir(2), never exists() then create: two processes must not both succeed.
  if (::mkdir(dir.c_str(), 0777) == 0) return true;
  const int error = errno;
  SOMA_CHECK(error == EEXIST, "cannot create the run folder '", dir, "': ", std::strerror(error));
  return false;
}

std::string create_run_folder(const std::string& runs_dir, const std::string& name, bool exact) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string dir = choose_run_folder(runs_dir, name, exact);
    if (make_run_folder(dir)) return dir;
    SOMA_CHECK(!exact, "the run folder '", dir, "' exists already; choose another --name, or continue it with: "
                       "soma train --resume ", dir);
  }
  throw Error("cannot create a run folder under '" + runs_dir + "': other processes took 100 names in a row");
}

RunFolderLock::RunFolderLock(const std::string& dir) {
  const std::string path = dir + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  SOMA_CHECK(fd_ >= 0, "cannot open the run folder's lock file '", path, "': ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    SOMA_CHECK(error != EWOULDBLOCK, "the run folder '", dir,
               "' is in use by another soma process (it holds the lock on ", path, "); wait for it to end, or "
               "choose another --name");
    throw Error("cannot lock the run folder '" + dir + "' (" + path + "): " + std::strerror(error));
  }
  // No writer lives now: a temporary file is what a killed writer left.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 5 && file[0] == '.' && file.compare(file.size() - 4, 4, ".tmp") == 0)
      fs::remove(entry.path(), ec);
  }
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

// One appended CSV file and the rows it holds.
struct RunFolderSink::Log {
  std::string path;
  Table table;
  std::FILE* file = nullptr;
  // steps.csv's only: times.csv beside it, a row per step ("step,time"), time being seconds of
  // training since the run began, resumes included (offset + now - start), for the dashboard's
  // wall-time axis. A file apart, so that a killed and resumed run's steps.csv stays identical
  // to an uninterrupted run's.
  std::unique_ptr<Log> times;
  double time_offset = 0, time_start = 0;

  ~Log() { close(); }
  void close() {
    if (file) std::fclose(file);
    file = nullptr;
  }
  // Writes the whole table (atomically), then reopens the file for appending.
  void rewrite() {
    close();
    std::string text;
    for (std::size_t i = 0; i < table.columns.size(); ++i) text += (i ? "," : "") + table.columns[i];
    text += "\n";
    for (const auto& row : table.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) text += (i ? "," : "") + number(row[i]);
      text += "\n";
    }
    write_text(path, text);
    file = std::fopen(path.c_str(), "ab");
    SOMA_CHECK(file, "cannot open '", path, "' for appending");
  }
};

RunFolderSink::RunFolderSink(std::string dir, RunFolderOptions options)
    : dir_(std::move(dir)), options_(options), steps_(std::make_unique<Log>()), metrics_(std::make_unique<Log>()) {
  SOMA_CHECK(fs::is_directory(dir_), "RunFolderSink: '", dir_, "' is not a folder");
  steps_->path = file("steps.csv");
  metrics_->path = file("metrics.csv");
  steps_->times = std::make_unique<Log>();
  steps_->times->path = file("times.csv");
}

RunFolderSink::~RunFolderSink() = default;

RunFolderSink::Table RunFolderSink::read_table(const std::string& path) {
  Table t;
  std::ifstream in(path, std::ios::binary);
  if (!in) return t;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Only complete lines count: a writer killed mid-row leaves a line without its newline.
  text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line)) return t;
  std::istringstream header(line);
  for (std::string name; std::getline(header, name, ',');) t.columns.push_back(name);
  for (std::int64_t n = 2; std::getline(lines, line); ++n) {
    std::vector<double> row;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) {
      if (cell == "NA") {
        row.push_back(NAN);
        continue;
      }
      char* end = nullptr;
      row.push_back(std::strtod(cell.c_str(), &end));
      SOMA_CHECK(end && *end == '\0' && !cell.empty(), "'", path, "' line ", n, ": expected a number, found '", cell, "'");
    }
    SOMA_CHECK(row.size() == t.columns.size(), "'", path, "' line ", n, ": expected ", t.columns.size(),
               " values, found ", row.size());
    t.rows.push_back(std::move(row));
  }
  return t;
}

void RunFolderSink::on_begin(std::int64_t, std::int64_t step, std::int64_t epoch) {
  // A fresh run starts empty files; a resumed one keeps what its checkpoint had seen.
  for (auto [log, key, limit] : {std::tuple{steps_.get(), "step", double(step)},
                                  std::tuple{metrics_.get(), "epoch", double(epoch) - 1},
                                  std::tuple{steps_->times.get(), "step", double(step)}}) {
    log->table = step == 0 && epoch == 0 ? Table{} : read_table(log->path);
    const std::vector<double> keys = column(log->table, key);
    std::vector<std::vector<double>> kept;
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] <= limit) kept.push_back(log->table.rows[i]);
    log->table.rows = std::move(kept);
    log->rewrite();
  }
  // A resumed run's clock goes on from the time of its last kept step.
  const std::vector<double> times = column(steps_->times->table, "time");
  steps_->time_offset = times.empty() ? 0 : times.back();
  steps_->time_start = now_seconds();
  pictures_.clear();
}

void RunFolderSink::append(Log& log, const std::vector<std::pair<std::string, double>>& row) {
  Table& t = log.table;
  std::vector<std::string> columns = t.columns;
  for (const auto& [name, value] : row)
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  const bool grew = columns.size() != t.columns.size();
  if (grew) {
    // A new value (val_loss after the first epoch, say): rows written before get NaN in its
    // column, and the file is written anew with the wider header.
    std::stable_sort(columns.begin(), columns.end(), [](const std::string& a, const std::string& b) {
      return rank(a) != rank(b) ? rank(a) < rank(b) : (rank(a) == 7 && a < b);
    });
    for (auto& old : t.rows) {
      std::vector<double> wide(columns.size(), NAN);
      for (std::size_t i = 0; i < old.size(); ++i)
        wide[std::find(columns.begin(), columns.end(), t.columns[i]) - columns.begin()] = old[i];
      old = std::move(wide);
    }
    t.columns = std::move(columns);
  }
  std::vector<double> values(t.columns.size(), NAN);
  for (const auto& [name, value] : row)
    values[std::find(t.columns.begin(), t.columns.end(), name) - t.columns.begin()] = value;
  t.rows.push_back(values);
  if (grew || !log.file) {
    log.rewrite();
    return;
  }
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) line += (i ? "," : "") + number(values[i]);
  line += "\n";
  SOMA_CHECK(std::fwrite(line.data(), 1, line.size(), log.file) == line.size() && std::fflush(log.file) == 0,
             "cannot append to '", log.path, "' (disk full?)");
}

void RunFolderSink::on_step(const StepEvent& event) {
  std::vector<std::pair<std::string, double>> row{{"step", double(event.step)}, {"epoch", double(event.epoch)}};
  for (const auto& [name, value] : event.values) row.emplace_back(name, value);
  append(*steps_, row);
  append(*steps_->times, {{"step", double(event.step)}, {"time", steps_->time_offset + now_seconds() - steps_->time_start}});
}

void RunFolderSink::on_epoch_end(const EpochEvent& event) {
  std::vector<std::pair<std::string, double>> row{{"epoch", double(event.epoch)}, {"step", double(event.step)}};
  for (const auto& [name, value] : event.logs) row.emplace_back(name, value);
  append(*metrics_, row);
  redraw_if_due();
}

void RunFolderSink::on_images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low, double high) {
  const std::string name = tag + "_epoch_" + std::to_string(epoch + 1) + ".png";
  io::save_image_grid(file(name), images, {.nrow = 8, .pad_value = 1, .value_range = {{low, high}}});
  pictures_.push_back(name);
}

void RunFolderSink::on_text(const std::string& tag, std::int64_t step, const std::string& text) {
  std::ofstream out(file(tag + ".txt"), std::ios::app);
  out << "step " << step << ": " << text << "\n";
  out.flush();
  SOMA_CHECK(bool(out), "cannot append to '", file(tag + ".txt"), "'");
}

void RunFolderSink::on_end() { write_report(); }

void RunFolderSink::redraw_if_due() {
  if (now_seconds() - last_draw_ < options_.redraw_seconds) return;
  write_report();
}

void RunFolderSink::draw_curves() {
  const Table& steps = steps_->table;
  const Table& epochs = metrics_->table;
  if (steps.rows.empty()) return;
  const std::vector<double> x = column(steps, "step");
  const std::size_t window = std::max<std::size_t>(1, steps.rows.size() / 50);
  const std::vector<double> epoch_x = column(epochs, "step");  // the step each epoch ended at
  for (const auto& name : steps.columns) {
    if (name == "step" || name == "epoch") continue;
    const std::vector<double> y = column(steps, name);
    if (std::none_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); })) continue;
    std::vector<io::Series> series{{.name = "train (batch)", .y = y, .x = x}};
    if (window > 1) series.push_back({.name = "train (mean of " + std::to_string(window) + ")", .y = smooth(y, window), .x = x});
    std::string title = name;
    const std::vector<double> val = column(epochs, "val_" + name);
    const auto finite = std::count_if(val.begin(), val.end(), [](double v) { return std::isfinite(v); });
    if (finite >= 2) {
      series.push_back({.name = "validation", .y = val, .x = epoch_x});
    } else if (finite == 1 && std::isfinite(val.back())) {
      // One point draws no line: give the value in the title instead.
      char text[64];
      std::snprintf(text, sizeof text, " - validation after epoch %zu: %.4f", val.size(), val.back());
      title += text;
    }
    const io::PlotOptions options{.title = title, .x_label = "step"};
    io::write_line_chart(file(name + ".png"), series, options);
    io::write_line_chart_svg(file(name + ".svg"), series, options);
  }
}

void RunFolderSink::write_report() {
  last_draw_ = now_seconds();
  draw_curves();
  std::string md = "# Run " + fs::path(dir_).filename().string() + "\n\n";
  if (!summary_.empty()) {
    md += "| | |\n|---|---|\n";
    for (const auto& [key, value] : summary_) md += "| " + key + " | " + value + " |\n";
  }
  const Table& epochs = metrics_->table;
  if (!epochs.rows.empty()) {
    md += "\n## Epochs\n\n|";
    for (const auto& c : epochs.columns) md += " " + c + " |";
    md += "\n|";
    for (std::size_t i = 0; i < epochs.columns.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& row : epochs.rows) {
      md += "|";
      for (std::size_t i = 0; i < row.size(); ++i) {
        char cell[32];
        if (std::isnan(row[i]))
          std::snprintf(cell, sizeof cell, "-");
        else if (epochs.columns[i] == "epoch")
          std::snprintf(cell, sizeof cell, "%lld", static_cast<long long>(row[i]) + 1);  // 1-based, as printed
        else if (epochs.columns[i] == "step")
          std::snprintf(cell, sizeof cell, "%lld", static_cast<long long>(row[i]));
        else
          std::snprintf(cell, sizeof cell, "%.4g", row[i]);
        md += std::string(" ") + cell + " |";
      }
      md += "\n";
    }
  }
  md += "\n";
  for (const auto& name : steps_->table.columns)
    if (name != "step" && name != "epoch" && fs::exists(file(name + ".png"))) md += "![" + name + "](" + name + ".png)\n";
  // The last picture of each series.
  std::map<std::string, std::string> last;
  for (const auto& p : pictures_) last[p.substr(0, p.rfind("_epoch_"))] = p;
  for (const auto& [tag, p] : last) md += "\n![" + tag + "](" + p + ")\n";
  md += "\nFiles: `metrics.csv` (per epoch), `steps.csv` (per step), the curves as PNG and SVG.\n";
  write_text(file("report.md"), md);
}

}  // namespace soma::train
