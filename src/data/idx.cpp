// IDX reader. The header is 4 magic bytes (0, 0, type, ndims) and ndims big-endian uint32
// sizes; see http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS FOR THE MNIST DATABASE").
// Every size is validated against the file before the body is read or a tensor allocated.
#include "soma/data/idx.h"

#include <bit>
#include <cstdio>
#include <sstream>
#include <vector>

#include "byte_reader.h"
#include "convert.h"

namespace soma::data {
namespace {

struct IdxType {
  std::uint8_t code;
  const char* name;
  std::uint64_t bytes;
};

constexpr IdxType kTypes[] = {{0x08, "ubyte", 1}, {0x09, "sbyte", 1},  {0x0B, "int16", 2},
                              {0x0C, "int32", 4}, {0x0D, "float32", 4}, {0x0E, "float64", 8}};

std::string hex_bytes(const std::uint8_t* p, int n) {
  std::ostringstream os;
  for (int i = 0; i < n; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x", p[i]);
    os << (i ? " " : "") << b;
  }
  return os.str();
}

}  // namespace

Tensor read_idx(const std::string& path, DType dtype) {
  detail::ByteReader in("read_idx", path);

  std::uint8_t magic[4];
  in.read(magic, 4, "header (4 magic bytes)");
  if (magic[0] != 0 || magic[1] != 0)
    in.fail(0, "bad magic number ", hex_bytes(magic, 4),
            ": an IDX file starts with two zero bytes, a type code and a dimension count");

  const IdxType* type = nullptr;
  for (const auto& t : kTypes)
    if (t.code == magic[2]) type = &t;
  if (!type)
    in.fail(2, "unknown IDX type code ", hex_bytes(magic + 2, 1),
            ", expected 08 (ubyte), 09 (sbyte), 0b (int16), 0c (int32), 0d (float32) or 0e (float64)");

  const int ndims = magic[3];
  if (ndims > Shape::kMaxDims)
    in.fail(3, "the header gives ", ndims, " dimensions, soma tensors have at most ", Shape::kMaxDims);

  std::uint8_t dim_bytes[4 * Shape::kMaxDims];
  in.read(dim_bytes, 4 * std::size_t(ndims), "header (dimension sizes)");
  Shape shape;
  std::uint64_t count = 1;
  std::ostringstream dims_text;  // "60000 x 28 x 28", for messages
  bool overflow = false;
  for (int i = 0; i < ndims; ++i) {
    const std::uint32_t d = detail::load<std::uint32_t>(dim_bytes + 4 * i, true);
    dims_text << (i ? " x " : "") << d;
    shape.push_back(d);
    overflow = overflow || __builtin_mul_overflow(count, std::uint64_t(d), &count);
  }
  const std::uint64_t header_bytes = 4 + 4 * std::uint64_t(ndims);
  std::uint64_t body_bytes = 0;
  overflow = overflow || __builtin_mul_overflow(count, type->bytes, &body_bytes) ||
             body_bytes > std::uint64_t(INT64_MAX);
  if (overflow)
    in.fail(4, "dimensions ", dims_text.str(), " of ", type->name, " overflow a 64-bit byte count");
  if (body_bytes > in.max_remaining()) {
    if (in.compressed())
      in.fail(header_bytes, "the header claims ", dims_text.str(), " ", type->name, " = ", body_bytes,
              " bytes of data, more than a ", in.file_size(), "-byte gzip file can hold (at most ",
              in.max_remaining(), ")");
    in.fail(header_bytes, "truncated body: the header claims ", dims_text.str(), " ", type->name,
            " = ", body_bytes, " bytes of data, but the file holds only ", in.max_remaining(),
            " bytes after the header");
  }

  const std::vector<std::uint8_t> body = in.read_bytes(body_bytes, "body");
  if (!in.at_end())
    in.fail(header_bytes + body_bytes, "unexpected data after the ", body_bytes,
            "-byte body that the header's dimensions ", dims_text.str(), " give");

  Tensor out(shape, dtype);
  const std::int64_t bad = [&] {
    switch (type->code) {
      case 0x08: return detail::decode_into<std::uint8_t>(body.data(), std::endian::big, out);
      case 0x09: return detail::decode_into<std::int8_t>(body.data(), std::endian::big, out);
      case 0x0B: return detail::decode_into<std::int16_t>(body.data(), std::endian::big, out);
      case 0x0C: return detail::decode_into<std::int32_t>(body.data(), std::endian::big, out);
      case 0x0D: return detail::decode_into<float>(body.data(), std::endian::big, out);
      default: return detail::decode_into<double>(body.data(), std::endian::big, out);
    }
  }();
  if (bad >= 0)
    in.fail(header_bytes + std::uint64_t(bad) * type->bytes, "element ", bad, " is not a whole number",
            " and cannot be read as int64");
  return out;
}

}  // namespace soma::data
