// CsvTable: one CSV file of a run folder (steps.csv, metrics.csv) read while it is written.
// Each refresh() reads only the bytes appended since the last one; a file replaced (the run
// folder rewrites a file when a column appears: a new inode) or shrunk is read anew. A line
// without its newline is not read yet; the first malformed complete line stops the reading,
// so the table holds every row up to it and error() says where it stopped. Never throws for
// what a file holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace soma::board {

class CsvTable {
 public:
  explicit CsvTable(std::string path) : path_(std::move(path)) {}

  /// Reads what changed on disk. Returns true when the table changed (rows, columns or error).
  /// A missing file gives an empty table.
  bool refresh();

  const std::string& path() const { return path_; }
  const std::vector<std::string>& columns() const { return columns_; }
  /// The column's index, or -1.
  int find(const std::string& name) const;
  /// Values of column `c` (0 <= c < columns().size()), one per row; NaN for "NA" or "".
  const std::vector<double>& column(std::size_t c) const { return values_[c]; }
  std::size_t rows() const { return values_.empty() ? 0 : values_[0].size(); }
  /// "line 7: expected 4 values, found 3", or "" while every line read so far was valid.
  const std::string& error() const { return error_; }
  /// Grows by one whenever refresh() returns true: a cheap "has it changed" for clients.
  std::uint64_t version() const { return version_; }

 private:
  void reset();
  void parse_line(const char* begin, const char* end);

  std::string path_;
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> values_;  // by column
  std::string error_;
  std::uint64_t version_ = 0;
  std::uint64_t inode_ = 0;
  std::int64_t offset_ = 0;  // bytes consumed: always just past a newline
  std::int64_t line_ = 0;    // lines consumed
};

/// Parses one CSV cell as a number: "NA", "nan" and "" are NaN. Returns false for anything else
/// that is not a whole number.
bool parse_cell(const char* begin, const char* end, double& out);

}  // namespace soma::board
