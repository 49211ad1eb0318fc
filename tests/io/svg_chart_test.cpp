// SVG line charts (io/svg_chart.h): the parts a reader sees — title, axis labels, one polyline
// per series, the legend, gaps for non-finite values — and the errors of write_line_chart.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "soma/io/svg_chart.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(IoSvgChart, DrawsSeriesLegendTitleAndLabels) {
  const std::string svg = io::line_chart_svg({{.name = "train <batch>", .y = {3, 2, 1.5, 1}}, {.name = "test", .y = {2.5, 1.2}, .x = {1, 3}}},
                                             {.title = "loss & accuracy", .x_label = "step"});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find(">loss &amp; accuracy</text>"), std::string::npos);  // escaped
  EXPECT_NE(svg.find(">train &lt;batch&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(IoSvgChart, NonFiniteValuesLeaveAGapAndALonePointIsADot) {
  const std::string svg = io::line_chart_svg({{.y = {1, 2, NAN, 3, 4, INFINITY, 5}}});
  EXPECT_EQ(count(svg, "<polyline"), 2u);  // [1, 2] and [3, 4]
  EXPECT_EQ(count(svg, "<circle"), 1u);    // [5]
}

TEST(IoSvgChart, LogAxisTicksArePowersOfTen) {
  const std::string svg = io::line_chart_svg({{.y = {100, 10, 1, 0.1}}}, {.log_y = true});
  for (const char* tick : {">1e-1<", ">1e0<", ">1e1<", ">1e2<"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
}

TEST(IoSvgChart, WritesTheFileAndRejectsBadInput) {
  const auto path = std::filesystem::temp_directory_path() / "soma_svg_chart_test.svg";
  io::write_line_chart_svg(path.string(), {{.y = {1, 2}}});
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), io::line_chart_svg({{.y = {1, 2}}}));
  EXPECT_EQ(test::error_message([&] { io::write_line_chart_svg(path.string(), {}); }),
            "write_line_chart_svg '" + path.string() + "': line chart: no series to draw");
  EXPECT_EQ(test::error_message([] { io::line_chart_svg({{.name = "a", .y = {1, 2}, .x = {1}}}); }),
            "line chart: series 'a' has 1 x values for 2 y values");
  EXPECT_EQ(test::error_message([] { io::line_chart_svg({{.y = {1}}}, {.width = 100}); }),
            "line chart: size 100x480 is below the minimum 240x160");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace soma
