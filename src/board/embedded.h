// The files of the dashboard's page (its HTML, JavaScript and CSS, and uPlot's dist files),
// compiled into the program at build time by cmake/embed_files.cmake: the page never needs
// the network or the source tree.
#pragma once

#include <span>
#include <string_view>

namespace soma::board::detail {

struct EmbeddedFile {
  std::string_view url;   ///< where the server serves it ("/", "/uplot.min.css")
  std::string_view body;  ///< its bytes
};

/// Every embedded file, in the order CMakeLists.txt lists them.
std::span<const EmbeddedFile> embedded_files();

}  // namespace soma::board::detail
