// The run list's cheap readers (see run_files.h).
#include "board/run_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "soma/board/csv_table.h"

namespace soma::board::detail {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

CsvEnds read_csv_ends(const std::string& path) {
  CsvEnds ends;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ends;
  in.seekg(0, std::ios::end);
  ends.bytes = std::int64_t(in.tellg());
  in.seekg(0);
  std::string header;
  if (!std::getline(in, header) || in.eof()) return ends;  // no complete header line yet
  ends.columns = split(header);
  // The last complete line lies within the last 64 KiB unless a row is longer than that.
  const std::int64_t first_row = std::int64_t(header.size()) + 1;
  const std::int64_t from = std::max(first_row, ends.bytes - 65536);
  std::string tail(std::size_t(ends.bytes - from), '\0');
  in.seekg(from);
  in.read(tail.data(), std::streamsize(tail.size()));
  tail.resize(std::size_t(in.gcount()));
  const auto end = tail.rfind('\n');
  if (end == std::string::npos) return ends;
  const auto previous = end == 0 ? std::string::npos : tail.rfind('\n', end - 1);
  std::size_t begin = 0;
  if (previous != std::string::npos)
    begin = previous + 1;
  else if (from > first_row)
    return ends;  // the line is longer than the window: leave it out
  const std::string line = tail.substr(begin, end - begin);
  const std::vector<std::string> cells = split(line);
  if (cells.size() != ends.columns.size()) return ends;
  std::vector<double> values;
  for (const auto& cell : cells) {
    double v = 0;
    if (!parse_cell(cell.data(), cell.data() + cell.size(), v)) return ends;
    values.push_back(v);
  }
  ends.last = std::move(values);
  return ends;
}

std::map<std::string, std::vector<int>> list_pictures(const std::string& dir) {
  static const std::regex kPicture("(.+)_epoch_([0-9]{1,6})\\.png");
  std::map<std::string, std::vector<int>> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, kPicture)) out[m[1]].push_back(std::stoi(m[2]));
  }
  for (auto& [tag, epochs] : out) std::sort(epochs.begin(), epochs.end());
  return out;
}

std::set<std::uint64_t> held_flock_inodes() {
  // Lines like "1: FLOCK  ADVISORY  WRITE 4242 00:2a:123456 0 EOF" (fs/locks.c); a waiting
  // lock's line has "->" after the number, and holds nothing.
  std::set<std::uint64_t> out;
  std::ifstream in("/proc/locks");
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string number, kind, mode, access, pid, where;
    words >> number >> kind;
    if (kind == "->" || kind != "FLOCK") continue;
    words >> mode >> access >> pid >> where;
    const auto colon = where.rfind(':');
    if (colon == std::string::npos) continue;
    try {
      out.insert(std::stoull(where.substr(colon + 1)));
    } catch (const std::exception&) {
    }
  }
  return out;
}

}  // namespace soma::board::detail
