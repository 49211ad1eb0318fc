// History: series kept equally long by padding with NaN, so row i of every series is epoch i.
// A record only: the Trainer fills it, CSVLogger and checkpoints read it.
#include "soma/train/history.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "soma/core/error.h"

namespace soma::train {

namespace {
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
}

void History::append(std::int64_t epoch, const Logs& logs) {
  const std::size_t before = epochs_.size();
  epochs_.push_back(epoch);
  for (const auto& [name, value] : logs) {
    auto [it, added] = values_.try_emplace(name);
    if (added) it->second.assign(before, kMissing);
    it->second.push_back(value);
  }
  for (auto& [name, series] : values_)
    if (series.size() == before) series.push_back(kMissing);
}

const std::vector<double>& History::operator[](const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) {
    std::ostringstream names;
    for (const auto& [key, series] : values_) names << (names.tellp() ? ", " : "") << key;
    detail::throw_error("History: no values named '", name, "' (recorded: ", names.str(), ")");
  }
  return it->second;
}

Logs History::row(std::int64_t i) const {
  SOMA_CHECK(i >= 0 && i < size(), "History::row: epoch index ", i, " is outside [0, ", size(), ")");
  Logs logs;
  for (const auto& [name, series] : values_)
    if (!std::isnan(series[i])) logs[name] = series[i];
  return logs;
}

}  // namespace soma::train
