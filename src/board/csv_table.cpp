// CsvTable: incremental reading of an appended CSV file (see csv_table.h).
#include "soma/board/csv_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace soma::board {

bool parse_cell(const char* begin, const char* end, double& out) {
  while (begin < end && (*begin == ' ' || *begin == '\r')) ++begin;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\r')) --end;
  const std::string_view cell(begin, std::size_t(end - begin));
  if (cell.empty() || cell == "NA" || cell == "nan" || cell == "NaN") {
    out = NAN;
    return true;
  }
  const auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end;
}

int CsvTable::find(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name) return int(i);
  return -1;
}

void CsvTable::reset() {
  columns_.clear();
  values_.clear();
  error_.clear();
  offset_ = line_ = 0;
}

void CsvTable::parse_line(const char* begin, const char* end) {
  ++line_;
  if (line_ == 1) {
    for (const char* p = begin;; ) {
      const char* comma = std::find(p, end, ',');
      std::string name(p, comma);
      if (!name.empty() && name.back() == '\r') name.pop_back();
      columns_.push_back(std::move(name));
      if (comma == end) break;
      p = comma + 1;
    }
    values_.assign(columns_.size(), {});
    return;
  }
  thread_local std::vector<double> row;
  row.clear();
  for (const char* p = begin;; ) {
    const char* comma = std::find(p, end, ',');
    double v = 0;
    if (!parse_cell(p, comma, v)) {
      error_ = "line " + std::to_string(line_) + ": expected a number, found '" +
               std::string(p, std::min<std::size_t>(std::size_t(comma - p), 40)) + "'";
      return;
    }
    row.push_back(v);
    if (comma == end) break;
    p = comma + 1;
  }
  if (row.size() != columns_.size()) {
    error_ = "line " + std::to_string(line_) + ": expected " + std::to_string(columns_.size()) + " values, found " +
             std::to_string(row.size());
    return;
  }
  for (std::size_t c = 0; c < row.size(); ++c) values_[c].push_back(row[c]);
}

bool CsvTable::refresh() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st{};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    if (fd >= 0) ::close(fd);
    const bool had = !columns_.empty() || offset_ > 0;
    reset();
    inode_ = 0;
    if (had) ++version_;
    return had;
  }
  bool changed = false;
  // Replaced (a rewrite lands by rename: another inode) or truncated: read it from the start.
  if (std::uint64_t(st.st_ino) != inode_ || st.st_size < offset_) {
    changed = offset_ > 0 || !columns_.empty();
    reset();
    inode_ = std::uint64_t(st.st_ino);
  }
  // After a malformed line nothing more is read until the file is replaced.
  if (error_.empty() && st.st_size > offset_) {
    std::string buffer(std::size_t(st.st_size - offset_), '\0');
    std::size_t got = 0;
    while (got < buffer.size()) {
      const ssize_t n = ::pread(fd, buffer.data() + got, buffer.size() - got, offset_ + std::int64_t(got));
      if (n <= 0) break;
      got += std::size_t(n);
    }
    buffer.resize(got);
    const char* p = buffer.data();
    const char* end = p + buffer.size();
    while (error_.empty()) {
      const char* newline = std::find(p, end, '\n');
      if (newline == end) break;  // half a line: its writer is still at it
      parse_line(p, newline);
      offset_ += std::int64_t(newline + 1 - p);
      p = newline + 1;
      changed = true;
    }
  }
  ::close(fd);
  if (changed) ++version_;
  return changed;
}

}  // namespace soma::board
