// Line charts as SVG files: the same charts as write_line_chart's PNGs (one or more series,
// linear or logarithmic y, a legend), as vector graphics that stay sharp when zoomed and
// that a browser or an editor opens. Not a plotting package: one chart type, no styling.
#pragma once

#include <string>
#include <vector>

#include "soma/io/plot.h"

namespace soma::io {

/// Writes `series` as an SVG line chart to `path` (replaced atomically): framed axes with
/// grid lines and tick labels, one colour per series, a legend when any series has a name.
/// Non-finite values (and values <= 0 on a log axis) leave a gap. Same requirements as
/// write_line_chart; throws soma::Error naming `path` when one fails or the file cannot be
/// written.
///   io::write_line_chart_svg("loss.svg", {{.name = "train", .y = losses}}, {.title = "loss"});
void write_line_chart_svg(const std::string& path, const std::vector<Series>& series,
                          const PlotOptions& options = {});

/// The SVG text write_line_chart_svg writes.
std::string line_chart_svg(const std::vector<Series>& series, const PlotOptions& options = {});

}  // namespace soma::io
