// Tests for io::write_line_chart: the file is a PNG of the asked size whose pixels show a
// white background and the series' colour, and bad paths or inputs throw naming the file.
#include "soma/io/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "soma/core/error.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace fs = std::filesystem;
using soma::io::Series;
using soma::io::write_line_chart;

namespace {

// A fresh folder per test, removed afterwards.
class PlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / ("soma_plot_" + std::to_string(::getpid()) + "_" + test);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::vector<unsigned char> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t big_endian(const std::vector<unsigned char>& b, std::size_t at) {
  return std::uint32_t(b[at]) << 24 | std::uint32_t(b[at + 1]) << 16 | std::uint32_t(b[at + 2]) << 8 | b[at + 3];
}

std::vector<double> decaying_curve(int n) {
  std::vector<double> y;
  for (int i = 0; i < n; ++i) y.push_back(0.5 * std::exp(-i / 200.0) + 1e-3);
  return y;
}

}  // namespace

TEST_F(PlotTest, WritesPngWithSignatureAndSize) {
  const fs::path path = dir_ / "loss.png";
  const std::vector<Series> series{{.name = "train", .y = decaying_curve(1000)},
                                   {.name = "test", .y = {0.4, 0.1, 0.02}, .x = {0, 500, 999}}};
  write_line_chart(path.string(), series, {.title = "loss", .log_y = true, .width = 640, .height = 400});
  const auto bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 33u);
  const unsigned char signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  EXPECT_TRUE(std::equal(std::begin(signature), std::end(signature), bytes.begin()));
  EXPECT_EQ(big_endian(bytes, 8), 13u);  // IHDR length
  EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 16), "IHDR");
  EXPECT_EQ(big_endian(bytes, 16), 640u);
  EXPECT_EQ(big_endian(bytes, 20), 400u);
}

TEST_F(PlotTest, DrawsWhiteBackgroundAndTheSeries) {
  const fs::path path = dir_ / "line.png";
  write_line_chart(path.string(), {{.y = {1, 3, 2, 5, 4}}});
  int w = 0, h = 0, channels = 0;
  unsigned char* rgb = stbi_load(path.string().c_str(), &w, &h, &channels, 3);
  ASSERT_NE(rgb, nullptr);
  EXPECT_EQ(w, 800);
  EXPECT_EQ(h, 480);
  EXPECT_EQ(rgb[0] + rgb[1] + rgb[2], 3 * 255);  // top-left corner
  int coloured = 0;  // pixels of the first series' colour (neither grey nor black)
  for (int i = 0; i < w * h; ++i)
    coloured += rgb[3 * i] == 31 && rgb[3 * i + 1] == 119 && rgb[3 * i + 2] == 180;
  stbi_image_free(rgb);
  EXPECT_GT(coloured, 500);
}

// A point with no drawn neighbour (a one-epoch run's test loss) is a 7x7 dot, not a speck.
TEST_F(PlotTest, ALonePointIsADot) {
  const fs::path path = dir_ / "lone.png";
  write_line_chart(path.string(), {{.y = {0.33}}});
  int w = 0, h = 0, channels = 0;
  unsigned char* rgb = stbi_load(path.string().c_str(), &w, &h, &channels, 3);
  ASSERT_NE(rgb, nullptr);
  int coloured = 0;
  for (int i = 0; i < w * h; ++i)
    coloured += rgb[3 * i] == 31 && rgb[3 * i + 1] == 119 && rgb[3 * i + 2] == 180;
  stbi_image_free(rgb);
  EXPECT_EQ(coloured, 49);
}

TEST_F(PlotTest, SkipsValuesALogAxisCannotShow) {
  const fs::path path = dir_ / "gaps.png";
  EXPECT_NO_THROW(write_line_chart(path.string(), {{.y = {1, 0, -1, NAN, 0.1, INFINITY, 0.01}}}, {.log_y = true}));
  EXPECT_NO_THROW(write_line_chart(path.string(), {{.y = {}}, {.y = {2, 2, 2}}}));
  EXPECT_TRUE(fs::exists(path));
}

TEST_F(PlotTest, UnwritablePathThrowsNamingIt) {
  const std::string path = (dir_ / "no_such_folder" / "chart.png").string();
  try {
    write_line_chart(path, {{.y = {1, 2, 3}}});
    FAIL() << "expected soma::Error";
  } catch (const soma::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(PlotTest, BadInputThrowsNamingThePath) {
  const std::string path = (dir_ / "bad.png").string();
  EXPECT_THROW(write_line_chart(path, {}), soma::Error);
  EXPECT_THROW(write_line_chart(path, {{.y = {1, 2}, .x = {0}}}), soma::Error);
  EXPECT_THROW(write_line_chart(path, {{.y = {1, 2}}}, {.width = 100}), soma::Error);
  try {
    write_line_chart(path, {{.name = "loss", .y = {1, 2}, .x = {0}}});
    FAIL() << "expected soma::Error";
  } catch (const soma::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path));
}
