// A runs folder in /tmp for the dashboard's tests, removed at the end of the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace soma::board::testing {

struct RunsFolder {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("soma_board_" + std::to_string(::getpid()) + "_" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  RunsFolder() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~RunsFolder() { std::filesystem::remove_all(dir); }
  /// Writes `text` to run/file (creating the run folder), or appends it.
  void write(const std::string& run, const std::string& file, const std::string& text, bool append = false) const {
    std::filesystem::create_directories(dir / run);
    std::ofstream out(dir / run / file, append ? std::ios::app | std::ios::binary : std::ios::binary);
    out << text;
  }
};

}  // namespace soma::board::testing
