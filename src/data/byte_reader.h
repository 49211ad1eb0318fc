// ByteReader (private): a byte stream over an untrusted file, plain or gzip, for the data
// readers. It knows how many bytes the file can still hold, so a reader checks a header's
// claim before it allocates, and it formats errors with the file and the byte offset.
// It is not a parser: what the bytes mean is up to idx.cpp and npy.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "soma/core/error.h"

namespace soma::data::detail {

class ByteReader {
 public:
  /// Opens `path` for the reader named `reader` (used in messages, e.g. "read_idx").
  /// A file starting with the gzip magic 1f 8b is decompressed as it is read.
  /// Throws soma::Error when the file is missing or cannot be opened.
  ByteReader(std::string reader, std::string path);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  bool compressed() const { return compressed_; }
  /// Bytes consumed so far (of the decompressed stream for gzip).
  std::uint64_t offset() const { return offset_; }
  /// Size of the file on disk.
  std::uint64_t file_size() const { return file_size_; }
  /// An upper bound on the bytes still to come: exact for a plain file; for gzip, what a
  /// deflate stream of this size can expand to at most (about 1032:1).
  std::uint64_t max_remaining() const;

  /// Reads exactly n bytes into dst. Throws, naming `what` and the offset, when the file ends
  /// first (or the gzip data is corrupt).
  void read(void* dst, std::size_t n, const char* what);
  /// Reads n bytes, the caller having checked n <= max_remaining(). The buffer grows with the
  /// data actually read, so a false claim in a gzip file cannot make it allocate n up front.
  std::vector<std::uint8_t> read_bytes(std::uint64_t n, const char* what);
  /// True when the stream has no byte left. For gzip, throws when the stream's trailer (CRC
  /// and length) is missing or does not match the data.
  bool at_end();

  /// Throws soma::Error: "<reader>: <path>: at byte <offset>: <parts...>".
  template <class... Args>
  [[noreturn]] void fail(std::uint64_t offset, const Args&... parts) const {
    std::ostringstream message;
    (message << ... << parts);
    throw_at(offset, message.str());
  }

  const std::string& path() const { return path_; }

 private:
  // Reads up to n bytes; returns how many (fewer only at the end of the data).
  std::size_t read_some(void* dst, std::size_t n, const char* what);
  [[noreturn]] void throw_at(std::uint64_t offset, const std::string& message) const;

  std::string reader_, path_;
  void* file_ = nullptr;  // gzFile, kept opaque so that zlib stays private to this .cpp
  bool compressed_ = false;
  std::uint64_t file_size_ = 0;
  std::uint64_t offset_ = 0;
};

/// The bytes that `sizes` elements of `item_bytes` each take, or nullopt when the count is not
/// one soma can hold: the byte count must fit int64, and so must the product of the non-zero
/// sizes, which Shape::numel computes left to right even when a later size is 0 (a header
/// [4294967295, 4294967295, 0] has no data but overflows it).
std::optional<std::uint64_t> shape_bytes(std::span<const std::uint64_t> sizes, std::uint64_t item_bytes);

}  // namespace soma::data::detail
