// Line charts as PNG files: training curves (loss, accuracy) over steps, one or more series,
// linear or logarithmic y. Self-contained: a built-in 5x7 bitmap font draws the labels, so no
// font files or plotting libraries are needed. Not a plotting package: one chart type, no styling.
#pragma once

#include <string>
#include <vector>

namespace soma::io {

/// One curve of a chart.
// NOTE: the `{}` initializers let callers name only some fields ({.y = v}) without
// -Wmissing-field-initializers warnings.
struct Series {
  std::string name{};       ///< legend entry; no legend is drawn when every name is empty
  std::vector<double> y{};  ///< values; non-finite values (and values <= 0 on a log axis) leave a gap
  std::vector<double> x{};  ///< positions of the values; empty means 0, 1, 2, ...
};

struct PlotOptions {
  std::string title{};           ///< drawn above the chart when not empty
  std::string x_label = "step";  ///< drawn below the x axis when not empty
  bool log_y = false;            ///< logarithmic y axis with ticks at powers of ten
  int width = 800;               ///< image width in pixels (at least 240)
  int height = 480;              ///< image height in pixels (at least 160)
};

/// Writes `series` as a line chart to the PNG file `path` (overwritten if it exists): white
/// background, framed axes with grid lines and numeric tick labels, one colour per series, a
/// legend at the right (top, or bottom where fewer points lie). The axes span the drawable
/// values of all series, rounded out to whole ticks.
/// Text is drawn in capitals; the font has letters, digits, space and . , - + : ( ) / _ = % ' ^.
/// Requires: at least one series; a non-empty `x` has the size of `y`; a size of at least 240 x 160.
/// Throws soma::Error naming `path` when a requirement fails or the file cannot be written.
///   io::write_line_chart("loss.png", {{.name = "train", .y = losses}}, {.title = "loss", .log_y = true});
void write_line_chart(const std::string& path, const std::vector<Series>& series, const PlotOptions& options = {});

}  // namespace soma::io
