// ProgressBar: Keras' Progbar layout (30-character bar, "ETA:", "ms/step", 4 decimals). The
// redraw starts with '\r' and clears the rest of the line, so a shorter line leaves no debris.
#include "soma/train/progress_bar.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>


namespace soma::train {

namespace {

constexpr int kBarWidth = 30;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::abs(v) >= 1e-3 || v == 0 || std::isnan(v) ? "%.4f" : "%.4e", v);
  return buf;
}

std::string format_per_step(double seconds) {
  char buf[32];
  if (seconds >= 1)
    std::snprintf(buf, sizeof buf, "%.0fs/step", seconds);
  else if (seconds >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.0fms/step", seconds * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0fus/step", seconds * 1e6);
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(const ProgressBarOptions& options) : options_(options) {
  SOMA_CHECK(options.verbose >= 0 && options.verbose <= 2, "ProgressBar: verbose must be 0, 1 or 2, got ",
             options.verbose);
  interactive_ = options.interactive.value_or(options.out == nullptr && ::isatty(STDOUT_FILENO) == 1);
}

std::ostream& ProgressBar::out() const { return options_.out ? *options_.out : std::cout; }

std::string ProgressBar::format_logs(const Logs& logs) {
  static const std::vector<std::string> kFirst = {"loss", "accuracy", "val_loss", "val_accuracy"};
  std::string text;
  auto add = [&](const std::string& name, double v) {
    text += (text.empty() ? "" : " - ") + name + ": " + format_value(v);
  };
  for (const auto& name : kFirst)
    if (const auto it = logs.find(name); it != logs.end()) add(name, it->second);
  for (const auto& [name, v] : logs) {
    bool first = false;
    for (const auto& f : kFirst) first = first || f == name;
    if (!first && name != "lr") add(name, v);
  }
  return text;
}

std::string ProgressBar::format_eta(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s % 3600) / 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

void ProgressBar::on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, std::int64_t first_batch) {
  if (options_.verbose == 0) return;
  epochs_ = epochs;
  epoch_ = epoch;
  batches_ = batches;
  first_batch_ = first_batch;  // a resumed epoch starts past 0
  last_batch_ = first_batch;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  if (interactive_ && options_.verbose == 1) out() << "Epoch " << epoch + 1 << "/" << epochs_ << "\n" << std::flush;
}

void ProgressBar::on_step(const StepEvent& event) {
  if (options_.verbose == 0) return;
  last_batch_ = event.batch + 1;
  last_batch_time_ = std::chrono::steady_clock::now();
  if (!interactive_ || options_.verbose != 1) return;
  const std::int64_t total = batches_;
  if (last_batch_ < total && seconds_since(last_draw_) < options_.redraw_interval) return;
  last_draw_ = std::chrono::steady_clock::now();
  draw(last_batch_, total, event.means, false);
}

void ProgressBar::on_epoch_end(const EpochEvent& event) {
  if (options_.verbose == 0) return;
  const std::int64_t total = batches_;
  if (!interactive_ || options_.verbose != 1) out() << "Epoch " << event.epoch + 1 << "/" << epochs_ << " - ";
  draw(total, total, event.logs, true);
}

void ProgressBar::draw(std::int64_t done, std::int64_t total, const Logs& logs, bool final) {
  // Time per step counts the training batches only (not the validation that follows them);
  // the elapsed time is the whole epoch's.
  const double elapsed = seconds_since(start_);
  const std::int64_t timed = last_batch_ - first_batch_;  // batches this run timed
  const double per_step =
      timed > 0 ? std::chrono::duration<double>(last_batch_time_ - start_).count() / double(timed) : 0;
  std::string line = std::to_string(done) + "/" + std::to_string(total);
  if (interactive_ && options_.verbose == 1) {
    const int width = std::to_string(total).size();
    line = std::string(std::max<int>(0, width - int(std::to_string(done).size())), ' ') + line;
    const auto filled = total > 0 ? static_cast<int>(kBarWidth * done / total) : kBarWidth;
    std::string bar(kBarWidth, '.');
    for (int i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < kBarWidth && filled > 0) bar[filled - 1] = '>';
    if (filled == 0 && done < total) bar[0] = '>';
    line += " [" + bar + "]";
  }
  if (final)
    line += " - " + format_eta(elapsed) + " " + format_per_step(per_step);
  else
    line += " - ETA: " + format_eta(per_step * double(total - done));
  const std::string metrics = format_logs(logs);
  if (!metrics.empty()) line += " - " + metrics;
  if (interactive_ && options_.verbose == 1)
    out() << "\r" << line << "\033[K" << (final ? "\n" : "") << std::flush;
  else
    out() << line << "\n" << std::flush;
}

}  // namespace soma::train
