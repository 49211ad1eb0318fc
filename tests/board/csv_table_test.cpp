// CsvTable: a file read while it grows, replaced, truncated, or holding a malformed line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <soma/board/csv_table.h>

namespace fs = std::filesystem;
using soma::board::CsvTable;

namespace {

struct Folder {
  fs::path dir = fs::temp_directory_path() / ("soma_csv_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Folder() { fs::create_directories(dir); }
  ~Folder() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

void write(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, append ? std::ios::app | std::ios::binary : std::ios::binary);
  out << text;
}

// A table of what `path` holds now.
CsvTable read_now(const std::string& path) {
  CsvTable t(path);
  t.refresh();
  return t;
}

// Writes `text` to `path`, then reads it.
CsvTable write_and_read(const std::string& path, const std::string& text) {
  write(path, text);
  return read_now(path);
}

}  // namespace

TEST(CsvTable, MissingFileIsEmpty) {
  CsvTable t("/nonexistent/soma/steps.csv");
  EXPECT_FALSE(t.refresh());
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_TRUE(t.columns().empty());
}

TEST(CsvTable, ReadsOnlyCompleteLinesAsTheFileGrows) {
  Folder f;
  const auto p = f.path("steps.csv");
  write(p, "step,epoch,loss\n1,0,2.5\n2,0,NA\n3,0,1.");  // the last line is half written
  CsvTable t(p);
  EXPECT_TRUE(t.refresh());
  ASSERT_EQ(t.columns(), (std::vector<std::string>{"step", "epoch", "loss"}));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_DOUBLE_EQ(t.column(2)[0], 2.5);
  EXPECT_TRUE(std::isnan(t.column(2)[1]));
  EXPECT_TRUE(t.error().empty());
  const auto version = t.version();
  EXPECT_FALSE(t.refresh());  // nothing new
  EXPECT_EQ(t.version(), version);
  write(p, "25\n4,1,1.0\n", true);  // the writer finishes its line and adds another
  EXPECT_TRUE(t.refresh());
  ASSERT_EQ(t.rows(), 4u);
  EXPECT_DOUBLE_EQ(t.column(2)[2], 1.25);
  EXPECT_DOUBLE_EQ(t.column(1)[3], 1.0);
  EXPECT_GT(t.version(), version);
}

TEST(CsvTable, HalfWrittenHeaderGivesNoColumns) {
  Folder f;
  const auto p = f.path("m.csv");
  write(p, "epoch,lo");
  CsvTable t(p);
  t.refresh();
  EXPECT_TRUE(t.columns().empty());
  write(p, "ss\n0,1\n", true);
  t.refresh();
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"epoch", "loss"}));
  EXPECT_EQ(t.rows(), 1u);
}

TEST(CsvTable, MalformedLineStopsTheReadingThere) {
  Folder f;
  const auto p = f.path("metrics.csv");
  CsvTable t = write_and_read(p, "epoch,loss\n0,1\n1,0.5\n2,abc\n3,0.2\n");
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.error(), "line 4: expected a number, found 'abc'");
  write(p, "4,0.1\n", true);
  EXPECT_FALSE(t.refresh());  // stays stopped at the bad line
  EXPECT_EQ(t.rows(), 2u);

  const CsvTable wrong_count = write_and_read(p, "epoch,loss\n0,1\n1,2,3\n");
  EXPECT_EQ(wrong_count.rows(), 1u);
  EXPECT_EQ(wrong_count.error(), "line 3: expected 2 values, found 3");
}

TEST(CsvTable, ReplacedFileIsReadAnew) {
  Folder f;
  const auto p = f.path("steps.csv");
  CsvTable t = write_and_read(p, "step,loss\n1,1\n2,2\n");
  ASSERT_EQ(t.rows(), 2u);
  // The run folder rewrites by rename when a column appears: a new file, a wider header.
  write(f.path("tmp"), "step,loss,val_loss\n1,1,NA\n2,2,NA\n3,3,0.5\n");
  fs::rename(f.path("tmp"), p);
  EXPECT_TRUE(t.refresh());
  EXPECT_EQ(t.columns().size(), 3u);
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_DOUBLE_EQ(t.column(2)[2], 0.5);
  // Truncated in place (a resumed run dropping rows): read from the start.
  write(p, "step,loss\n1,7\n");
  EXPECT_TRUE(t.refresh());
  ASSERT_EQ(t.rows(), 1u);
  EXPECT_DOUBLE_EQ(t.column(1)[0], 7);
  fs::remove(p);
  EXPECT_TRUE(t.refresh());
  EXPECT_EQ(t.rows(), 0u);
}

TEST(CsvTable, ParsesNumbersStrictly) {
  double v = 0;
  const auto parse = [&](const std::string& s) { return soma::board::parse_cell(s.data(), s.data() + s.size(), v); };
  EXPECT_TRUE(parse("1e-3"));
  EXPECT_DOUBLE_EQ(v, 1e-3);
  EXPECT_TRUE(parse("-2.5\r"));
  EXPECT_DOUBLE_EQ(v, -2.5);
  EXPECT_TRUE(parse("NA"));
  EXPECT_TRUE(std::isnan(v));
  EXPECT_FALSE(parse("1.5x"));
  EXPECT_FALSE(parse("--1"));
}
