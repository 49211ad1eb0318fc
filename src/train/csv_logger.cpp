// CSVLogger: the whole file is rebuilt from the History each epoch (a few hundred bytes), which
// keeps it right across resumes without any state of its own.
#include "soma/train/csv_logger.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include "soma/train/context.h"

namespace soma::train {

namespace {

std::string format_number(double v) {
  if (std::isnan(v)) return "NA";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, end);
}

}  // namespace

CSVLogger::CSVLogger(std::string path) : path_(std::move(path)) {
  SOMA_CHECK(!path_.empty(), "CSVLogger: path is empty");
}

void CSVLogger::on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) {
  History history = context.history();
  history.append(epoch, logs);
  static const std::vector<std::string> kFirst = {"loss", "accuracy", "val_loss", "val_accuracy", "lr"};
  std::vector<std::string> columns;
  for (const auto& name : kFirst)
    if (history.contains(name)) columns.push_back(name);
  for (const auto& [name, series] : history.values())
    if (std::find(kFirst.begin(), kFirst.end(), name) == kFirst.end()) columns.push_back(name);

  std::string text = "epoch";
  for (const auto& c : columns) text += "," + c;
  text += "\n";
  for (std::int64_t i = 0; i < history.size(); ++i) {
    text += std::to_string(history.epochs()[i]);
    for (const auto& c : columns) text += "," + format_number(history[c][i]);
    text += "\n";
  }

  // Write beside the target, then rename over it: a reader sees the old or the new file.
  const std::string temp = path_ + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    SOMA_CHECK(out.good(), "CSVLogger: cannot write '", temp, "'");
  }
  SOMA_CHECK(std::rename(temp.c_str(), path_.c_str()) == 0, "CSVLogger: cannot rename '", temp, "' to '", path_, "'");
}

}  // namespace soma::train
