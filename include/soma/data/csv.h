// CSV reader for numeric tables: features as float32, an optional integer class-label column.
// Not a general CSV library: no text columns, no missing values, no quoted line breaks.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::data {

struct CsvOptions {
  bool header = true;  ///< the first line names the columns
  /// The column holding integer class labels: none (the default: every column is a feature),
  /// a name from the header (.label_column = "label"), or a 0-based index (.label_column = 0;
  /// negative counts from the end, -1 the last column).
  std::variant<std::monostate, std::string, std::int64_t> label_column;
  char delimiter = ',';  ///< field separator (',' ';' '\t' ...)
};

struct CsvData {
  Tensor x;  ///< float32 [rows, features]: every column but the label, in file order
  Tensor y;  ///< int64 [rows]; undefined when there is no label column
  /// The features' names from the header (x's columns, in order); empty without a header.
  std::vector<std::string> feature_names;
};

/// Reads a numeric CSV file:
///   auto iris = data::read_csv("iris.csv", {.label_column = "species"});
///   auto train = std::make_shared<data::TensorDataset>(iris.x, iris.y);
/// Fields may be double-quoted ("" inside a quoted field is one quote) and padded with spaces;
/// lines end in \n or \r\n; blank lines and a UTF-8 byte-order mark are skipped. Cells parse as
/// float32 (nan and inf included); labels must be whole numbers.
/// Throws soma::Error naming the file, the line and the column (1-based, with the header's name
/// when there is one) for: a missing file, a cell that is not a number (or not a whole number for
/// the label), an empty cell, a row whose field count differs from the first line's, an
/// unterminated quote, a label column not in the header or out of range, a named label column
/// without a header, and a file with no line at all.
CsvData read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace soma::data
