// ByteReader: plain and gzip files through zlib's gz* API (which reads plain files as they
// are). We look at the magic ourselves rather than trust gzdirect, because the bound on what
// the file can hold differs: exact for a plain file, a ratio of its size for gzip.
#include "byte_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace soma::data::detail {
namespace {

// The most a deflate stream expands: a 258-byte match costs at least 2 bits, so about
// 1032 output bytes per input byte (zlib's technical notes). Gzip adds a header on top.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

gzFile as_gz(void* p) { return static_cast<gzFile>(p); }

// gzerror's text is "<path>: <reason>"; our messages name the path already.
std::string zlib_reason(const char* message) {
  const std::string text = message ? message : "unknown error";
  const std::size_t colon = text.rfind(": ");
  return colon == std::string::npos ? text : text.substr(colon + 2);
}

}  // namespace

ByteReader::ByteReader(std::string reader, std::string path)
    : reader_(std::move(reader)), path_(std::move(path)) {
  std::error_code ec;
  const auto status = std::filesystem::status(path_, ec);
  SOMA_CHECK(std::filesystem::exists(status), reader_, ": ", path_, ": file not found");
  SOMA_CHECK(std::filesystem::is_regular_file(status), reader_, ": ", path_, ": not a regular file");
  file_size_ = std::filesystem::file_size(path_, ec);
  SOMA_CHECK(!ec, reader_, ": ", path_, ": cannot read its size: ", ec.message());

  unsigned char magic[2] = {0, 0};
  std::FILE* f = std::fopen(path_.c_str(), "rb");
  SOMA_CHECK(f, reader_, ": ", path_, ": cannot open: ", std::strerror(errno));
  const std::size_t got = std::fread(magic, 1, 2, f);
  std::fclose(f);
  compressed_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;

  gzFile gz = gzopen(path_.c_str(), "rb");
  SOMA_CHECK(gz, reader_, ": ", path_, ": cannot open: ", std::strerror(errno));
  gzbuffer(gz, 1 << 17);  // fewer system calls than the 8 KiB default
  file_ = gz;
}

ByteReader::~ByteReader() {
  if (file_) gzclose(as_gz(file_));
}

std::uint64_t ByteReader::max_remaining() const {
  std::uint64_t bound = file_size_;
  if (compressed_)
    bound = file_size_ > UINT64_MAX / kMaxDeflateRatio ? UINT64_MAX : file_size_ * kMaxDeflateRatio;
  return bound > offset_ ? bound - offset_ : 0;
}

std::size_t ByteReader::read_some(void* dst, std::size_t n, const char* what) {
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t total = 0;
  while (total < n) {
    // gzread counts in unsigned int; stay well inside it.
    const unsigned chunk = unsigned(std::min<std::size_t>(n - total, std::size_t(1) << 30));
    const int got = gzread(as_gz(file_), out + total, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* message = gzerror(as_gz(file_), &errnum);
      if (errnum == Z_ERRNO) fail(offset_ + total, "cannot read ", what, ": ", std::strerror(errno));
      // zlib decompresses ahead, so a damaged stream can surface before the damaged bytes.
      fail(offset_ + total, "damaged gzip data while reading ", what, " (zlib: ", zlib_reason(message), ")");
    }
    total += std::size_t(got);
    if (unsigned(got) < chunk) {
      // A short count is either the true end or a damaged stream; zlib tells which.
      int errnum = Z_OK;
      const char* message = gzerror(as_gz(file_), &errnum);
      if (errnum != Z_OK)
        fail(offset_ + total, "damaged gzip data while reading ", what, " (zlib: ", zlib_reason(message), ")");
      break;
    }
  }
  offset_ += total;
  return total;
}

void ByteReader::read(void* dst, std::size_t n, const char* what) {
  const std::uint64_t start = offset_;
  const std::size_t got = read_some(dst, n, what);
  if (got < n)
    fail(start, "truncated ", what, ": expected ", n, " bytes from byte ", start,
         ", the file ends at byte ", start + got);
}

std::vector<std::uint8_t> ByteReader::read_bytes(std::uint64_t n, const char* what) {
  const std::uint64_t start = offset_;
  std::vector<std::uint8_t> bytes;
  if (!compressed_) {
    // The size on disk already proved the bytes are there.
    bytes.resize(n);
    read(bytes.data(), n, what);
    return bytes;
  }
  // Grow by doubling, so memory stays within twice what the stream really holds.
  std::uint64_t have = 0;
  while (have < n) {
    const std::uint64_t want = std::min<std::uint64_t>(n - have, std::max<std::uint64_t>(have, 1 << 20));
    bytes.resize(have + want);
    const std::size_t got = read_some(bytes.data() + have, want, what);
    have += got;
    if (got < want)
      fail(start, "truncated ", what, ": expected ", n, " bytes from byte ", start,
           ", the decompressed data ends at byte ", start + have);
  }
  return bytes;
}

bool ByteReader::at_end() {
  unsigned char byte;
  const int got = gzread(as_gz(file_), &byte, 1);
  if (got == 1) {
    gzungetc(byte, as_gz(file_));
    return false;
  }
  // zlib checks a gzip stream's CRC and length only at its end, which is here.
  int errnum = Z_OK;
  const char* message = gzerror(as_gz(file_), &errnum);
  if (errnum != Z_OK) fail(offset_, "damaged gzip data at the end of the stream (zlib: ", zlib_reason(message), ")");
  return true;
}

void ByteReader::throw_at(std::uint64_t offset, const std::string& message) const {
  throw Error(reader_ + ": " + path_ + ": at byte " + std::to_string(offset) +
              (compressed_ ? " of the decompressed data" : "") + ": " + message);
}

std::optional<std::uint64_t> shape_bytes(std::span<const std::uint64_t> sizes, std::uint64_t item_bytes) {
  constexpr std::uint64_t kMax = std::uint64_t(INT64_MAX);
  std::uint64_t nonzero = 1;
  bool empty = false;
  for (const std::uint64_t d : sizes) {
    if (d == 0) empty = true;
    else if (__builtin_mul_overflow(nonzero, d, &nonzero) || nonzero > kMax) return std::nullopt;
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(nonzero, item_bytes, &bytes) || bytes > kMax) return std::nullopt;
  return empty ? 0 : bytes;
}

}  // namespace soma::data::detail
