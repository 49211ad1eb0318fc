// NPY read/write. Layout (numpy/lib/format.py, "NEP 1"): "\x93NUMPY", major and minor version
// bytes, the header length (uint16 LE in 1.0, uint32 LE in 2.0 and 3.0), then a Python dict
// literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with spaces to a
// multiple of 64 and ended by '\n', then the raw data. The header parser below reads exactly
// that literal (no general Python), and every error gives the byte offset in the file.
#include "soma/data/npy.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "byte_reader.h"
#include "convert.h"

namespace soma::data {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = 6;
// numpy refuses headers over 10000 bytes unless told otherwise; we allow far more, but cap
// it so that a corrupt length cannot make us allocate the whole file as a header.
constexpr std::uint64_t kMaxHeaderBytes = 1 << 20;

struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// Parses the header dict. `base` is the header's offset in the file, for messages.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::uint64_t base, const detail::ByteReader& in)
      : s_(text), base_(base), in_(in) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{', "'{' opening the header dict");
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_at = pos_;
      const std::string key = string_literal("a quoted key");
      expect(':', "':' after the key");
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail(pos_, "structured dtypes (a list as 'descr') are not supported");
        h.descr = string_literal("a quoted dtype string such as '<f4'");
        seen_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        seen_order = true;
      } else if (key == "shape") {
        h.shape = shape();
        seen_shape = true;
      } else {
        fail(key_at, "unexpected key '", key, "' (expected 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') ++pos_;
      else if (peek() != '}') fail(pos_, "expected ',' or '}' after the value of '", key, "'");
    }
    if (!seen_descr || !seen_order || !seen_shape)
      fail(pos_, "the header dict lacks ", !seen_descr ? "'descr'" : !seen_order ? "'fortran_order'" : "'shape'");
    ++pos_;
    skip_space();  // padding spaces and the closing '\n'
    if (pos_ != s_.size()) fail(pos_, "unexpected text after the header dict");
    return h;
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(std::size_t at, const Args&... parts) const {
    in_.fail(base_ + at, "malformed header: ", parts...);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c, const char* what) {
    skip_space();
    if (peek() != c) fail(pos_, "expected ", what);
    ++pos_;
  }
  std::string string_literal(const char* what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(pos_, "expected ", what);
    const std::size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail(pos_, "unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(pos_, "expected True or False for 'fortran_order'");
  }
  Shape shape() {
    expect('(', "a tuple such as (60000, 784) for 'shape'");
    Shape out;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail(pos_, "expected a non-negative integer in 'shape'");
      std::int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, peek() - '0', &v))
          fail(pos_, "a size in 'shape' overflows int64");
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 longs, as old numpy wrote them
      if (out.dim() == Shape::kMaxDims)
        fail(pos_, "more than ", Shape::kMaxDims, " dimensions (soma tensors have at most ", Shape::kMaxDims, ")");
      out.push_back(v);
      skip_space();
      if (peek() == ',') ++pos_;
      else if (peek() != ')') fail(pos_, "expected ',' or ')' in 'shape'");
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::uint64_t base_;
  const detail::ByteReader& in_;
};

struct NpyType {
  const char* descr;
  std::uint64_t bytes;
  DType natural;  // what read_npy gives without an explicit dtype
};
constexpr NpyType kNpyTypes[] = {
    {"<f4", 4, DType::f32}, {"<f8", 8, DType::f64}, {"<i8", 8, DType::i64}, {"|u1", 1, DType::f32}};

const char* descr_of(DType t) { return t == DType::f32 ? "<f4" : t == DType::f64 ? "<f8" : "<i8"; }

}  // namespace

Tensor read_npy(const std::string& path, std::optional<DType> dtype) {
  detail::ByteReader in("read_npy", path);

  std::uint8_t preamble[8];
  in.read(preamble, 8, "header (magic string and version)");
  if (std::memcmp(preamble, kMagic, kMagicBytes) != 0)
    in.fail(0, "bad magic: an .npy file starts with \"\\x93NUMPY\"");
  const int major = preamble[6], minor = preamble[7];
  if (major < 1 || major > 3)
    in.fail(6, "unsupported format version ", major, ".", minor, " (expected 1.0, 2.0 or 3.0)");

  std::uint64_t header_len = 0;
  if (major == 1) {
    std::uint8_t len[2];
    in.read(len, 2, "header length");
    header_len = detail::load<std::uint16_t>(len, std::endian::native != std::endian::little);
  } else {
    std::uint8_t len[4];
    in.read(len, 4, "header length");
    header_len = detail::load<std::uint32_t>(len, std::endian::native != std::endian::little);
  }
  const std::uint64_t header_at = in.offset();
  if (header_len > kMaxHeaderBytes || header_len > in.max_remaining())
    in.fail(header_at - (major == 1 ? 2 : 4), "header length ", header_len, " exceeds ",
            header_len > kMaxHeaderBytes ? "the 1 MiB limit" : "the rest of the file");
  std::string text(header_len, '\0');
  in.read(text.data(), header_len, "header dict");
  const Header h = HeaderParser(text, header_at, in).parse();

  const NpyType* type = nullptr;
  for (const auto& t : kNpyTypes)
    if (h.descr == t.descr) type = &t;
  if (!type) {
    const bool big_endian = !h.descr.empty() && h.descr[0] == '>';
    in.fail(header_at, "unsupported dtype '", h.descr, "'", big_endian ? " (big-endian)" : "",
            ": expected '<f4', '<f8', '<i8' or '|u1'");
  }
  if (h.fortran_order)
    in.fail(header_at, "fortran_order is True: only C-order arrays are supported ",
            "(save np.ascontiguousarray(a) instead)");

  std::vector<std::uint64_t> sizes(h.shape.begin(), h.shape.end());
  const std::optional<std::uint64_t> bytes = detail::shape_bytes(sizes, type->bytes);
  if (!bytes) in.fail(header_at, "shape ", h.shape, " of '", h.descr, "' overflows a 64-bit byte count");
  const std::uint64_t data_bytes = *bytes;
  const std::uint64_t data_at = in.offset();
  if (data_bytes > in.max_remaining())
    in.fail(data_at, "truncated data: shape ", h.shape, " of '", h.descr, "' needs ", data_bytes,
            " bytes, the file holds only ", in.max_remaining(), " after the header");

  const std::vector<std::uint8_t> body = in.read_bytes(data_bytes, "data");
  if (!in.at_end())
    in.fail(data_at + data_bytes, "unexpected bytes after the ", data_bytes, "-byte data that shape ",
            h.shape, " of '", h.descr, "' gives");

  Tensor out(h.shape, dtype.value_or(type->natural));
  const std::int64_t bad = [&] {
    if (h.descr == "<f4") return detail::decode_into<float>(body.data(), std::endian::little, out);
    if (h.descr == "<f8") return detail::decode_into<double>(body.data(), std::endian::little, out);
    if (h.descr == "<i8") return detail::decode_into<std::int64_t>(body.data(), std::endian::little, out);
    return detail::decode_into<std::uint8_t>(body.data(), std::endian::little, out);
  }();
  if (bad >= 0)
    in.fail(data_at + std::uint64_t(bad) * type->bytes, "element ", bad,
            " is not a whole number and cannot be read as int64");
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  SOMA_CHECK(t.defined(), "write_npy: ", path, ": the tensor is undefined");
  std::string header = std::string("{'descr': '") + descr_of(t.dtype()) + "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < t.dim(); ++i) header += (i ? ", " : "") + std::to_string(t.shape()[i]);
  header += t.dim() == 1 ? ",), }" : "), }";  // a 1-tuple is written (3,) in Python
  // Pad so that the data starts on a 64-byte boundary, as numpy does (10 = magic + version + length).
  const std::size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';

  std::string preamble(kMagic, kMagicBytes);
  preamble += '\x01';
  preamble += '\x00';
  preamble += char(header.size() & 0xff);
  preamble += char(header.size() >> 8);

  // Data little-endian: written straight from memory on little-endian hosts, swapped otherwise.
  const std::size_t item = size_of(t.dtype());
  const std::size_t data_bytes = std::size_t(t.numel()) * item;
  const void* data = t.raw_data();
  std::vector<std::uint8_t> swapped;
  if constexpr (std::endian::native != std::endian::little) {
    swapped.assign(static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + data_bytes);
    for (std::size_t i = 0; i < data_bytes; i += item) std::reverse(swapped.begin() + i, swapped.begin() + i + item);
    data = swapped.data();
  }

  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  SOMA_CHECK(f, "write_npy: ", path, ": cannot create ", tmp, ": ", std::strerror(errno));
  bool ok = std::fwrite(preamble.data(), 1, preamble.size(), f) == preamble.size() &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 1, data_bytes, f) == data_bytes && std::fflush(f) == 0 &&
            ::fsync(fileno(f)) == 0;
  const int write_errno = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    soma::detail::throw_error("write_npy: ", path, ": cannot write ", tmp, ": ", std::strerror(write_errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(tmp.c_str());
    soma::detail::throw_error("write_npy: ", path, ": cannot rename ", tmp, " to it: ", std::strerror(rename_errno));
  }
}

}  // namespace soma::data
