// RunStore: the run list and the chart series of a runs folder (see run_store.h).
#include "soma/board/run_store.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <thread>

#include <sys/stat.h>

#include "board/run_files.h"
#include "soma/board/csv_table.h"
#include "soma/board/series.h"
#include "soma/core/error.h"

namespace soma::board {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// A JSON file re-read only when its modification time or size changed.
struct JsonFile {
  explicit JsonFile(std::string p) : path(std::move(p)) {}
  std::string path;
  std::int64_t stamp = -1;
  json value;  // null: missing or invalid

  void refresh() {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
      value = nullptr, stamp = -1;
      return;
    }
    const std::int64_t now = std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec + st.st_size;
    if (now == stamp) return;
    stamp = now;
    std::ifstream in(path, std::ios::binary);
    // A half-written file (never from soma, which writes by rename) reads as missing.
    value = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = nullptr;
  }
};

// The config's headline settings: top-level values, and the type and lr of sections.
json config_summary(const json& config) {
  json out = json::array();
  if (!config.is_object()) return out;
  for (const auto& [key, value] : config.items()) {
    if (key == "name") continue;
    if (value.is_primitive()) {
      out.push_back({key, value});
    } else if (value.is_object()) {
      for (const char* field : {"type", "lr"})
        if (value.contains(field) && value[field].is_primitive()) out.push_back({key + "." + field, value[field]});
    }
  }
  return out;
}

// x for steps.csv by epoch: epoch e's k-th of n rows is at e + (k + 1) / n, so the last step of
// epoch e sits at e + 1, where metrics.csv's row for epoch e is drawn. The last epoch, still
// going, is spread like the one before it.
std::vector<double> fractional_epochs(const std::vector<double>& epoch) {
  std::vector<double> x(epoch.size());
  std::size_t i = 0, previous = 0;
  while (i < epoch.size()) {
    std::size_t j = i;
    while (j < epoch.size() && epoch[j] == epoch[i]) ++j;
    const std::size_t n = j == epoch.size() ? std::max(j - i, previous) : j - i;
    for (std::size_t k = i; k < j; ++k) x[k] = epoch[i] + double(k - i + 1) / double(n);
    previous = j - i;
    i = j;
  }
  return x;
}

// The wall time of each of `steps` from times.csv ("step,time", steps in order); NaN where
// times.csv has no such step (a run written before times.csv existed).
std::vector<double> times_at(const std::vector<double>& steps, const CsvTable& times) {
  std::vector<double> out(steps.size(), NAN);
  const int step = times.find("step"), time = times.find("time");
  if (step < 0 || time < 0) return out;
  const std::vector<double>& known = times.column(std::size_t(step));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    // Rows of steps.csv and times.csv go together: try the same row before searching.
    std::size_t j = i < known.size() && known[i] == steps[i]
                        ? i
                        : std::size_t(std::lower_bound(known.begin(), known.end(), steps[i]) - known.begin());
    if (j < known.size() && known[j] == steps[i]) out[i] = times.column(std::size_t(time))[j];
  }
  return out;
}

}  // namespace

struct RunStore::Run {
  std::string name, dir;
  std::mutex mutex;
  JsonFile info, config;
  CsvTable metrics, steps, times;
  bool steps_loaded = false;  // steps.csv is parsed once a chart wants it
  detail::CsvEnds ends;       // steps.csv's ends while it is not parsed, by its size
  std::int64_t pictures_stamp = -1;  // the folder's mtime when `pictures` was listed
  std::map<std::string, std::vector<int>> pictures;

  Run(std::string n, std::string d)
      : name(std::move(n)), dir(std::move(d)), info(dir + "/run.json"), config(dir + "/config.json"),
        metrics(dir + "/metrics.csv"), steps(dir + "/steps.csv"), times(dir + "/times.csv") {}

  // A chart's series of this run, its x as the query wants it, viewed in place (a chart of 100
  // runs must not copy 100 columns per poll); valid while `mutex` is held.
  struct View {
    std::span<const double> x, y;
    std::vector<double> own_x;  // x when it is computed (by epoch, by time)
  };
  // False when the run lacks the column. The caller holds `mutex`.
  bool series_of(const SeriesQuery& q, View& v) {
    CsvTable& table = q.file == "steps" ? steps : metrics;
    if (q.file == "steps") steps_loaded = true;
    table.refresh();
    const int c = table.find(q.column);
    if (c < 0) return false;
    v.y = table.column(std::size_t(c));
    const int step = table.find("step"), epoch = table.find("epoch");
    if (q.x == "epoch" && epoch >= 0) {
      v.own_x = q.file == "steps" ? fractional_epochs(table.column(std::size_t(epoch))) : table.column(std::size_t(epoch));
      if (q.file == "metrics")
        for (double& e : v.own_x) e += 1;  // the end of epoch e (0-based) is at e + 1
    } else if (q.x == "time" && step >= 0) {
      times.refresh();
      v.own_x = times_at(table.column(std::size_t(step)), times);
    } else if (step >= 0) {
      v.x = table.column(std::size_t(step));
      return true;
    } else {
      v.own_x.resize(v.y.size());
      for (std::size_t i = 0; i < v.own_x.size(); ++i) v.own_x[i] = double(i + 1);
    }
    v.x = v.own_x;
    return true;
  }

  // What a chart needs to know of this run before it draws: its values and drawable points.
  struct Extent {
    bool found = false;
    std::size_t n = 0, drawable = 0;  // finite values; points with a place on the chart
    double last = NAN;                // the last finite value, unsmoothed
    double lo = INFINITY, hi = -INFINITY;  // the drawable points' x range
  };
  Extent extent(const SeriesQuery& q) {
    std::lock_guard lock(mutex);
    View v;
    Extent e;
    if (!(e.found = series_of(q, v))) return e;
    const auto& [x, y, own] = v;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (!std::isfinite(y[i])) continue;
      e.last = y[i], ++e.n;
      if (!std::isfinite(x[i]) || (q.log_x && x[i] <= 0)) continue;
      ++e.drawable, e.lo = std::min(e.lo, x[i]), e.hi = std::max(e.hi, x[i]);
    }
    return e;
  }
  // Every drawable point, smoothed (a chart with few points).
  Points points(const SeriesQuery& q) {
    std::lock_guard lock(mutex);
    View v;
    return series_of(q, v) ? drawable(v.x, smooth_ema(v.y, q.smooth), q.log_x) : Points{};
  }
  // Each column's min and max, smoothed (a chart with many points).
  std::vector<double> per_column(const SeriesQuery& q, const Columns& columns) {
    std::lock_guard lock(mutex);
    View v;
    return series_of(q, v) ? min_max_per_column(v.x, v.y, q.smooth, columns) : std::vector<double>(2 * columns.pixels, NAN);
  }

  json describe(const std::set<std::uint64_t>& held) {
    std::lock_guard lock(mutex);
    info.refresh();
    config.refresh();
    metrics.refresh();
    json run{{"name", name}};
    struct stat st{};
    const bool locked = ::stat((dir + "/lock").c_str(), &st) == 0 && held.count(std::uint64_t(st.st_ino));
    const std::string said = info.value.is_object() ? info.value.value("status", "") : "";
    // A run killed without a word still says "running": its lock tells the truth.
    run["status"] = locked ? "running" : said == "finished" ? "finished" : said.empty() ? "unknown" : "stopped";
    run["started"] = info.value.is_object() ? info.value.value("started", "") : "";
    run["config"] = config_summary(config.value);
    json finals = json::object();
    for (std::size_t c = 0; c < metrics.columns().size() && metrics.rows() > 0; ++c)
      if (metrics.columns()[c] != "epoch" && metrics.columns()[c] != "step")
        finals[metrics.columns()[c]] = number(metrics.column(c).back());
    if (info.value.is_object())
      for (const auto& [key, value] : info.value.items())
        if (key.rfind("test_", 0) == 0 && value.is_number()) finals[key] = value;
    run["final"] = finals;
    run["metrics"] = {{"columns", metrics.columns()}, {"rows", metrics.rows()}, {"version", metrics.version()}};
    json errors = json::array();
    if (!metrics.error().empty()) errors.push_back("metrics.csv " + metrics.error());
    json last = json::object();
    std::vector<std::string> columns;
    // "version" changes whenever steps.csv does (its size and time): the page then refetches.
    struct stat steps_stat{};
    const bool has_steps = ::stat(steps.path().c_str(), &steps_stat) == 0;
    const std::string version = has_steps ? std::to_string(steps_stat.st_size) + "." +
                                                std::to_string(steps_stat.st_mtim.tv_sec) + "." +
                                                std::to_string(steps_stat.st_mtim.tv_nsec)
                                          : "none";
    if (steps_loaded) {
      steps.refresh();
      columns = steps.columns();
      for (std::size_t c = 0; c < columns.size() && steps.rows() > 0; ++c) last[columns[c]] = number(steps.column(c).back());
      if (!steps.error().empty()) errors.push_back("steps.csv " + steps.error());
    } else {
      if (!has_steps || steps_stat.st_size != ends.bytes) ends = detail::read_csv_ends(steps.path());
      columns = ends.columns;
      for (std::size_t c = 0; c < ends.last.size(); ++c) last[columns[c]] = number(ends.last[c]);
    }
    run["steps"] = {{"columns", columns}, {"last", last}, {"version", version}};
    // A new picture is a new file: the folder's mtime moves.
    struct stat folder{};
    const std::int64_t stamp = ::stat(dir.c_str(), &folder) == 0
                                   ? std::int64_t(folder.st_mtim.tv_sec) * 1000000000 + folder.st_mtim.tv_nsec
                                   : -1;
    if (stamp != pictures_stamp) pictures = detail::list_pictures(dir), pictures_stamp = stamp;
    run["images"] = pictures;
    run["errors"] = errors;
    return run;
  }
};

RunStore::RunStore(std::string runs_dir) : dir_(std::move(runs_dir)) {
  SOMA_CHECK(fs::is_directory(dir_), "the runs folder '", dir_, "' is not a folder");
  canonical_dir_ = fs::canonical(dir_).string();
}

RunStore::~RunStore() = default;

void RunStore::scan() {
  std::error_code ec;
  std::set<std::string> seen;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!entry.is_directory(ec)) continue;
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const fs::path p = entry.path();
    if (!fs::exists(p / "run.json", ec) && !fs::exists(p / "metrics.csv", ec) && !fs::exists(p / "steps.csv", ec)) continue;
    seen.insert(name);
    if (!runs_.count(name)) runs_[name] = std::make_unique<Run>(name, p.string());
  }
  std::erase_if(runs_, [&](const auto& entry) { return !seen.count(entry.first); });
}

RunStore::Run* RunStore::find(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (runs_.empty()) scan();
  const auto it = runs_.find(name);
  return it == runs_.end() ? nullptr : it->second.get();
}

json RunStore::runs() {
  std::vector<Run*> list;
  {
    std::lock_guard lock(mutex_);
    scan();
    for (auto& [name, run] : runs_) list.push_back(run.get());
  }
  const auto held = detail::held_flock_inodes();
  json out = json::array();
  for (Run* run : list) out.push_back(run->describe(held));
  // Newest first: by the start time run.json records, then by name.
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["started"].get<std::string>() != b["started"].get<std::string>()
               ? a["started"].get<std::string>() > b["started"].get<std::string>()
               : a["name"].get<std::string>() < b["name"].get<std::string>();
  });
  return out;
}

namespace {

// Runs `work(i)` for i in [0, n) on all cores.
template <class Work>
void for_each_parallel(std::size_t n, Work work) {
  std::atomic<std::size_t> next = 0;
  const auto loop = [&] {
    for (std::size_t i; (i = next++) < n;) work(i);
  };
  const std::size_t helpers = std::min<std::size_t>(n, std::max(1u, std::thread::hardware_concurrency())) - 1;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < helpers; ++t) threads.emplace_back(loop);
  loop();
  for (auto& t : threads) t.join();
}

}  // namespace

json RunStore::series(const SeriesQuery& q) {
  SOMA_CHECK(q.file == "steps" || q.file == "metrics", "series: file must be steps or metrics, got '", q.file, "'");
  SOMA_CHECK(q.x == "step" || q.x == "epoch" || q.x == "time", "series: x must be step, epoch or time, got '", q.x, "'");
  SOMA_CHECK(q.smooth >= 0 && q.smooth < 1, "series: smooth must be in [0, 1), got ", q.smooth);
  SOMA_CHECK(q.pixels >= 1 && q.pixels <= 100000, "series: pixels must be in [1, 100000], got ", q.pixels);
  std::vector<Run*> runs;
  for (const auto& name : q.runs)
    if (Run* run = find(name)) runs.push_back(run);
  // A run's first chart parses its whole steps.csv: the runs are shared among the cores.
  std::vector<Run::Extent> extents(runs.size());
  for_each_parallel(runs.size(), [&](std::size_t i) { extents[i] = runs[i]->extent(q); });
  std::size_t total = 0;
  Columns columns{.lo = INFINITY, .hi = -INFINITY, .pixels = q.pixels, .log_x = q.log_x};
  for (const auto& e : extents)
    if (e.drawable > 0) total += e.drawable, columns.lo = std::min(columns.lo, e.lo), columns.hi = std::max(columns.hi, e.hi);
  // Up to two points per pixel in all: every point as it is. More: two per column and run.
  const bool aligned = total > 2 * q.pixels;
  std::vector<std::vector<double>> per_column(runs.size());
  std::vector<Points> points(runs.size());
  for_each_parallel(runs.size(), [&](std::size_t i) {
    if (!extents[i].found) return;
    if (aligned)
      per_column[i] = runs[i]->per_column(q, columns);
    else
      points[i] = runs[i]->points(q);
  });
  json series = json::array();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!extents[i].found) continue;
    json s{{"run", runs[i]->name}, {"n", extents[i].n}, {"last", number(extents[i].last)}};
    if (aligned) {
      s["y"] = per_column[i];
    } else {
      s["x"] = points[i].x;
      s["y"] = points[i].y;
    }
    series.push_back(std::move(s));
  }
  json out{{"aligned", aligned}, {"series", std::move(series)}};
  if (aligned) out["x"] = columns.slots();
  return out;
}

json RunStore::config(const std::string& name) {
  Run* run = find(name);
  if (!run) return nullptr;
  std::lock_guard lock(run->mutex);
  run->config.refresh();
  return run->config.value;
}

std::string RunStore::file_path(const std::string& run_name, const std::string& file) {
  static const char* kServed[] = {".png", ".svg", ".csv", ".json", ".txt", ".md"};
  if (file.empty() || file[0] == '.' || file.find('/') != std::string::npos || file.find('\0') != std::string::npos)
    return "";
  if (std::none_of(std::begin(kServed), std::end(kServed), [&](const char* ext) { return file.ends_with(ext); }))
    return "";
  Run* run = find(run_name);
  if (!run) return "";
  std::error_code ec;
  // Links are resolved before the check, so a link to /etc inside a run folder serves nothing.
  const fs::path real = fs::canonical(fs::path(run->dir) / file, ec);
  if (ec || !fs::is_regular_file(real, ec)) return "";
  const std::string s = real.string();
  return s.rfind(canonical_dir_ + "/", 0) == 0 ? s : "";
}

}  // namespace soma::board
