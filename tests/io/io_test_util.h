// Helpers for the io tests: a fresh folder per test, whole-file reads and writes, comparing
// tensors byte for byte, and the message of the soma::Error an expression throws.
// Test-only; not a general file API.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "soma/core/error.h"
#include "soma/core/tensor.h"

namespace soma::test {

namespace fs = std::filesystem;

/// A folder made for the running test (named after it) and removed afterwards.
class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("soma_io_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  /// The names in the test's folder, sorted (to check that no temporary file is left).
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// NOTE: removes the file first: on ext4, truncating a file that holds data and writing it
// again forces a flush to disk on close (auto_da_alloc), milliseconds per call.
inline void write_file(const std::string& path, const std::string& bytes) {
  std::filesystem::remove(path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

/// The message of the soma::Error that `f` throws; fails the test (and returns "") otherwise.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected soma::Error, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected soma::Error, nothing was thrown";
  return "";
}

/// Same dtype, shape and bytes (so NaN payloads and -0 count too).
inline ::testing::AssertionResult same_tensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) return ::testing::AssertionFailure() << name_of(a.dtype()) << " vs " << name_of(b.dtype());
  if (!(a.shape() == b.shape())) return ::testing::AssertionFailure() << a.shape() << " vs " << b.shape();
  if (std::memcmp(a.raw_data(), b.raw_data(), std::size_t(a.numel()) * size_of(a.dtype())) != 0)
    return ::testing::AssertionFailure() << "values differ: " << a << " vs " << b;
  return ::testing::AssertionSuccess();
}

}  // namespace soma::test
