// Tests of read_csv: label columns by name and index, no labels, no header, quoting, line
// endings and delimiters; errors that name the file, the line and the column.
#include <gtest/gtest.h>

#include <cmath>

#include "data_test_util.h"
#include "soma/data/csv.h"

namespace soma {
namespace {

using test::throws_with;

TEST(DataCsv, LabelColumnByNameIndexOrNone) {
  test::TempDir dir;
  const std::string path = dir.file("iris.csv");
  test::write_text(path, "a,label,b\n1.5,2,-3\n4,0,5e-1\n");

  auto named = data::read_csv(path, {.label_column = "label"});
  ASSERT_EQ(named.x.shape(), (Shape{2, 2}));
  EXPECT_EQ(named.x.dtype(), DType::f32);
  EXPECT_EQ(named.x.at({0, 0}), 1.5);
  EXPECT_EQ(named.x.at({0, 1}), -3.0);
  EXPECT_EQ(named.x.at({1, 1}), 0.5);
  ASSERT_EQ(named.y.shape(), (Shape{2}));
  EXPECT_EQ(named.y.dtype(), DType::i64);
  EXPECT_EQ(named.y.at({0}), 2);
  EXPECT_EQ(named.feature_names, (std::vector<std::string>{"a", "b"}));

  auto indexed = data::read_csv(path, {.label_column = 1});
  EXPECT_TRUE(test::same_bits(indexed.x, named.x));
  EXPECT_TRUE(test::same_bits(indexed.y, named.y));

  auto from_end = data::read_csv(path, {.label_column = -2});
  EXPECT_TRUE(test::same_bits(from_end.y, named.y));
  // The last column holds 5e-1, which is no class label.
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = -1}); }, {"line 3, column 3 ('b')", "'5e-1'"}));
}

TEST(DataCsv, NoLabelsNoHeaderAndOtherSpellings) {
  test::TempDir dir;
  const std::string path = dir.file("plain.csv");
  // BOM, \r\n, blank lines, spaces, quotes, a delimiter other than ','.
  test::write_text(path, "\xEF\xBB\xBF 1 ; \"2\"\r\n\r\n+3;-inf\r\n  \n\"4\" ;nan\n");
  auto all = data::read_csv(path, {.header = false, .delimiter = ';'});
  ASSERT_EQ(all.x.shape(), (Shape{3, 2}));
  EXPECT_FALSE(all.y.defined());
  EXPECT_TRUE(all.feature_names.empty());
  EXPECT_EQ(all.x.at({0, 0}), 1.0);
  EXPECT_EQ(all.x.at({0, 1}), 2.0);
  EXPECT_EQ(all.x.at({1, 0}), 3.0);
  EXPECT_TRUE(std::isinf(all.x.at({1, 1})));
  EXPECT_TRUE(std::isnan(all.x.at({2, 1})));

  test::write_text(path, "\"x \"\"1\"\"\",y\n1,1e400\n");
  auto quoted = data::read_csv(path);
  EXPECT_EQ(quoted.feature_names[0], "x \"1\"");
  EXPECT_TRUE(std::isinf(quoted.x.at({0, 1}))) << "beyond float range gives inf, as numpy does";

  test::write_text(path, "a,b\n");
  EXPECT_EQ(data::read_csv(path).x.shape(), (Shape{0, 2}));
}

TEST(DataCsv, NonNumericCellNamesLineAndColumn) {
  test::TempDir dir;
  const std::string path = dir.file("cells.csv");
  test::write_text(path, "a,b,label\n1,2,0\n3,abc,1\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = "label"}); },
                          {path, "line 3, column 2 ('b')", "'abc' is not a number"}));
  test::write_text(path, "1,2\n3,\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.header = false}); }, {path, "line 2, column 2", "empty cell"}));
  test::write_text(path, "x,label\n1,cat\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = "label"}); },
                          {path, "line 2, column 2 ('label')", "'cat'", "whole-number class label"}));
  test::write_text(path, "x,label\n1,2.5\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = "label"}); }, {"line 2", "'2.5'"}));
}

TEST(DataCsv, RaggedRowNamesLine) {
  test::TempDir dir;
  const std::string path = dir.file("ragged.csv");
  test::write_text(path, "a,b,c\n1,2,3\n\n4,5\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path); },
                          {path, "line 4 has 2 fields, expected 3", "header"}));
  test::write_text(path, "1,2\n3,4,5\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.header = false}); }, {path, "line 2 has 3 fields, expected 2", "first line"}));
}

TEST(DataCsv, BadOptionsAndFiles) {
  test::TempDir dir;
  const std::string path = dir.file("t.csv");
  test::write_text(path, "a,b\n1,2\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = "label"}); },
                          {path, "line 1", "no column named 'label'", "a, b"}));
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.label_column = 2}); }, {"index 2", "out of range"}));
  EXPECT_TRUE(throws_with([&] { data::read_csv(path, {.header = false, .label_column = "a"}); }, {"header is false"}));
  test::write_text(path, "a,b\n\"1,2\n");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path); }, {path, "line 2, column 1", "unterminated quote"}));
  test::write_text(path, "");
  EXPECT_TRUE(throws_with([&] { data::read_csv(path); }, {path, "no line"}));
  EXPECT_TRUE(throws_with([&] { data::read_csv(dir.file("missing.csv")); }, {"missing.csv", "not found"}));
}

}  // namespace
}  // namespace soma
