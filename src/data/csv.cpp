// CSV reader. The file is read whole (its size on disk bounds the allocation), split into lines
// and fields in one pass, and parsed with std::from_chars, which is exact and ignores the locale
// (strtod would read "1,5" as 1 under a German locale).
#include "soma/data/csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace soma::data {
namespace {

class CsvParser {
 public:
  CsvParser(const std::string& path, const CsvOptions& options) : path_(path), options_(options) {}

  CsvData parse(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark
    std::vector<std::string_view> fields;
    std::vector<std::string> unquoted;  // storage for fields whose quotes were removed
    std::size_t pos = 0;
    std::int64_t line = 0;
    std::int64_t columns = -1, label = -1, rows = 0;
    std::vector<float> x;
    std::vector<std::int64_t> y;
    CsvData out;

    while (pos < text.size()) {
      ++line;
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view row = text.substr(pos, end - pos);
      pos = end + 1;
      if (row.ends_with('\r')) row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
      split(row, line, fields, unquoted);

      if (columns < 0) {  // the first line fixes the column count and, with a header, the names
        columns = std::int64_t(fields.size());
        label = label_index(fields, line);
        if (options_.header) {
          for (std::int64_t c = 0; c < columns; ++c) {
            names_.emplace_back(trim(fields[c]));
            if (c != label) out.feature_names.emplace_back(trim(fields[c]));
          }
          continue;
        }
      }
      if (std::int64_t(fields.size()) != columns)
        fail(line, "has ", fields.size(), " fields, expected ", columns, " (as on ",
             options_.header ? "the header line" : "the first line", ")");
      for (std::int64_t c = 0; c < columns; ++c) {
        if (c == label) y.push_back(parse_label(fields[c], line, c));
        else x.push_back(parse_float(fields[c], line, c));
      }
      ++rows;
    }
    SOMA_CHECK(columns >= 0, "read_csv: ", path_, ": the file has no line",
               options_.header ? " (expected a header line)" : "");

    const std::int64_t features = columns - (label >= 0 ? 1 : 0);
    out.x = Tensor(Shape{rows, features}, DType::f32);
    if (!x.empty()) std::memcpy(out.x.raw_data(), x.data(), x.size() * sizeof(float));
    if (label >= 0) {
      out.y = Tensor(Shape{rows}, DType::i64);
      if (!y.empty()) std::memcpy(out.y.raw_data(), y.data(), y.size() * sizeof(std::int64_t));
    }
    return out;
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(std::int64_t line, const Args&... parts) const {
    soma::detail::throw_error("read_csv: ", path_, ": line ", line, " ", parts...);
  }
  template <class... Args>
  [[noreturn]] void fail_cell(std::int64_t line, std::int64_t column, const Args&... parts) const {
    if (column < std::int64_t(names_.size()))
      soma::detail::throw_error("read_csv: ", path_, ": line ", line, ", column ", column + 1, " ('",
                          names_[column], "'): ", parts...);
    soma::detail::throw_error("read_csv: ", path_, ": line ", line, ", column ", column + 1, ": ", parts...);
  }

  // Splits one line into fields, removing quotes; `unquoted` keeps the text they point to.
  void split(std::string_view row, std::int64_t line, std::vector<std::string_view>& fields,
             std::vector<std::string>& unquoted) const {
    fields.clear();
    unquoted.clear();
    unquoted.reserve(row.size() / 2 + 1);  // no reallocation: the views must stay valid
    std::size_t i = 0;
    while (true) {
      std::size_t start = i;
      while (start < row.size() && row[start] == ' ') ++start;
      if (start < row.size() && row[start] == '"') {
        std::string& value = unquoted.emplace_back();
        std::size_t j = start + 1;
        while (true) {
          if (j >= row.size())
            fail_cell(line, std::int64_t(fields.size()), "unterminated quote (quoted fields cannot span lines)");
          if (row[j] == '"') {
            if (j + 1 < row.size() && row[j + 1] == '"') {
              value += '"';
              j += 2;
              continue;
            }
            break;
          }
          value += row[j++];
        }
        ++j;
        while (j < row.size() && row[j] == ' ') ++j;
        if (j < row.size() && row[j] != options_.delimiter)
          fail_cell(line, std::int64_t(fields.size()), "unexpected text after a closing quote");
        fields.emplace_back(value);
        i = j;
      } else {
        std::size_t end = row.find(options_.delimiter, i);
        if (end == std::string_view::npos) end = row.size();
        fields.push_back(row.substr(i, end - i));
        i = end;
      }
      if (i >= row.size()) break;
      ++i;  // past the delimiter
    }
  }

  std::int64_t label_index(const std::vector<std::string_view>& first, std::int64_t line) const {
    const std::int64_t columns = std::int64_t(first.size());
    if (const auto* name = std::get_if<std::string>(&options_.label_column)) {
      SOMA_CHECK(options_.header, "read_csv: ", path_, ": label column '", *name,
                 "' is given by name, but CsvOptions::header is false; give its index instead");
      for (std::int64_t c = 0; c < columns; ++c)
        if (trim(first[c]) == *name) return c;
      std::string names;
      for (std::int64_t c = 0; c < columns && c < 12; ++c) names += (c ? ", " : "") + std::string(trim(first[c]));
      fail(line, "(the header) has no column named '", *name, "'; its columns are: ", names,
           columns > 12 ? ", ..." : "");
    }
    if (const auto* index = std::get_if<std::int64_t>(&options_.label_column)) {
      const std::int64_t c = *index < 0 ? *index + columns : *index;
      if (c < 0 || c >= columns)
        fail(line, "has ", columns, " columns, so label column index ", *index, " is out of range");
      return c;
    }
    return -1;
  }

  static std::string_view trim(std::string_view s) {
    const std::size_t b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
  }

  float parse_float(std::string_view cell, std::int64_t line, std::int64_t column) const {
    std::string_view s = trim(cell);
    if (s.empty()) fail_cell(line, column, "empty cell, expected a number");
    if (s.front() == '+') s.remove_prefix(1);  // from_chars rejects a leading '+'
    // Parsed as double and rounded to float, as numpy and pandas do.
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range && end == s.data() + s.size()) {
      // Beyond double's range (1e400, 1e-400): strtod gives the +-inf or 0 that numpy gives.
      return float(std::strtod(std::string(s).c_str(), nullptr));
    }
    if (ec != std::errc() || end != s.data() + s.size())
      fail_cell(line, column, "'", trim(cell), "' is not a number");
    return float(v);
  }

  std::int64_t parse_label(std::string_view cell, std::int64_t line, std::int64_t column) const {
    std::string_view s = trim(cell);
    if (s.empty()) fail_cell(line, column, "empty label cell, expected a whole number");
    if (s.front() == '+') s.remove_prefix(1);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return v;
    double d = 0;  // "3.0" as written by tools that store labels as floats
    auto [dend, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (dec == std::errc() && dend == s.data() + s.size() && std::trunc(d) == d && d >= -0x1p63 && d < 0x1p63)
      return std::int64_t(d);
    fail_cell(line, column, "'", trim(cell), "' is not a whole-number class label");
  }

  const std::string& path_;
  const CsvOptions& options_;
  std::vector<std::string> names_;  // every column's header name, for messages
};

}  // namespace

CsvData read_csv(const std::string& path, const CsvOptions& options) {
  std::error_code ec;
  SOMA_CHECK(std::filesystem::is_regular_file(path, ec), "read_csv: ", path, ": file not found");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  SOMA_CHECK(!ec, "read_csv: ", path, ": cannot read its size: ", ec.message());
  std::string text(size, '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  SOMA_CHECK(f, "read_csv: ", path, ": cannot open: ", std::strerror(errno));
  const std::size_t got = std::fread(text.data(), 1, size, f);
  std::fclose(f);
  SOMA_CHECK(got == size, "read_csv: ", path, ": read ", got, " of its ", size, " bytes");
  return CsvParser(path, options).parse(text);
}

}  // namespace soma::data
