// Helpers for the data-layer tests (tests/data/*_test.cpp): a temporary folder that cleans up
// after itself, writing raw and gzipped bytes, big-endian encoding, and checking that a call
// throws soma::Error whose message names the file and the place. Test-only code.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "soma/core/error.h"
#include "soma/core/tensor.h"

namespace soma::test {
// NOTE: an inline namespace gives these helpers their own linker names: tests/io has a
// read_file(path) returning std::string, and two inline functions with one signature in one
// binary would silently share a body (an ODR violation that crashed the io tests).
inline namespace data_support {

using Bytes = std::vector<std::uint8_t>;

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = std::string("soma_") + (info ? info->test_suite_name() : "test") + "_" +
                             (info ? info->name() : "x") + "_" + std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The path of `name` inside the folder.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline void write_text(const std::string& path, const std::string& text) {
  write_file(path, Bytes(text.begin(), text.end()));
}

inline Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// Writes `bytes` gzip-compressed (a complete gzip stream).
inline void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << "cannot write " << path;
  if (!bytes.empty()) ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

inline void append_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}

/// Appends the big-endian bytes of `v` (any 1-, 2-, 4- or 8-byte type).
template <class T>
void append_be(Bytes& b, T v) {
  std::uint8_t raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  for (int i = int(sizeof(T)) - 1; i >= 0; --i) b.push_back(raw[i]);  // the host is little-endian
}

/// Appends the little-endian bytes of `v`.
template <class T>
void append_le(Bytes& b, T v) {
  std::uint8_t raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  b.insert(b.end(), raw, raw + sizeof(T));
}

/// Passes when `f` throws soma::Error and its message contains every one of `parts`.
inline ::testing::AssertionResult throws_with(const std::function<void()>& f,
                                              std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      if (message.find(part) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part << "\"";
    return ::testing::AssertionSuccess() << message;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-soma exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

/// True when both tensors have the same shape, dtype and bytes.
inline bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), std::size_t(a.numel()) * size_of(a.dtype())) == 0;
}

}  // namespace data_support
}  // namespace soma::test
