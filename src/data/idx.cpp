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

// The header, checked against the file: its type, shape and body size.
struct Header {
  const IdxType* type = nullptr;
  Shape shape;
  std::string dims_text;  // "60000 x 28 x 28", for messages
  std::uint64_t header_bytes = 0, body_bytes = 0;
};

Header read_header(detail::ByteReader& in) {
  std::uint8_t magic[4];
  in.read(magic, 4, "header (4 magic bytes)");
  if (magic[0] != 0 || magic[1] != 0)
    in.fail(0, "bad magic number ", hex_bytes(magic, 4),
            ": an IDX file starts with two zero bytes, a type code and a dimension count");

  Header h;
  for (const auto& t : kTypes)
    if (t.code == magic[2]) h.type = &t;
  if (!h.type)
    in.fail(2, "unknown IDX type code ", hex_bytes(magic + 2, 1),
            ", expected 08 (ubyte), 09 (sbyte), 0b (int16), 0c (int32), 0d (float32) or 0e (float64)");

  const int ndims = magic[3];
  if (ndims > Shape::kMaxDims)
    in.fail(3, "the header gives ", ndims, " dimensions, soma tensors have at most ", Shape::kMaxDims);

  std::uint8_t dim_bytes[4 * Shape::kMaxDims];
  in.read(dim_bytes, 4 * std::size_t(ndims), "header (dimension sizes)");
  std::vector<std::uint64_t> sizes;
  std::ostringstream dims_text;
  for (int i = 0; i < ndims; ++i) {
    const std::uint32_t d = detail::load<std::uint32_t>(dim_bytes + 4 * i, true);
    dims_text << (i ? " x " : "") << d;
    h.shape.push_back(d);
    sizes.push_back(d);
  }
  h.dims_text = dims_text.str();
  h.header_bytes = 4 + 4 * std::uint64_t(ndims);
  const std::optional<std::uint64_t> body_bytes = detail::shape_bytes(sizes, h.type->bytes);
  if (!body_bytes)
    in.fail(4, "dimensions ", h.dims_text, " of ", h.type->name, " overflow a 64-bit byte count");
  h.body_bytes = *body_bytes;
  if (h.body_bytes > in.max_remaining()) {
    if (in.compressed())
      in.fail(h.header_bytes, "the header claims ", h.dims_text, " ", h.type->name, " = ", h.body_bytes,
              " bytes of data, more than a ", in.file_size(), "-byte gzip file can hold (at most ",
              in.max_remaining(), ")");
    in.fail(h.header_bytes, "truncated body: the header claims ", h.dims_text, " ", h.type->name, " = ",
            h.body_bytes, " bytes of data, but the file holds only ", in.max_remaining(), " bytes after the header");
  }
  return h;
}

}  // namespace

Shape idx_shape(const std::string& path) {
  detail::ByteReader in("read_idx", path);
  return read_header(in).shape;
}

Tensor read_idx(const std::string& path, DType dtype, std::int64_t max_rows) {
  SOMA_CHECK(max_rows >= -1, "read_idx: max_rows must be -1 (all) or >= 0, got ", max_rows);
  detail::ByteReader in("read_idx", path);
  const Header h = read_header(in);
  Shape shape = h.shape;
  std::uint64_t body_bytes = h.body_bytes;
  // Only the rows asked for are read: a gzip file that promises a gigabyte is not inflated
  // in full to show its first five images.
  const bool all = max_rows < 0 || shape.dim() == 0 || shape[0] <= max_rows;
  if (!all) {
    body_bytes = shape[0] == 0 ? 0 : h.body_bytes / std::uint64_t(shape[0]) * std::uint64_t(max_rows);
    shape[0] = max_rows;
  }
  const IdxType* type = h.type;
  const std::uint64_t header_bytes = h.header_bytes;

  const std::vector<std::uint8_t> body = in.read_bytes(body_bytes, "body");
  if (all && !in.at_end())
    in.fail(header_bytes + body_bytes, "unexpected data after the ", body_bytes,
            "-byte body that the header's dimensions ", h.dims_text, " give");

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
