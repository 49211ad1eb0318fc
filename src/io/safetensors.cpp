// safetensors reader and writer (see soma/io/safetensors.h). Layout: an 8-byte little-endian
// header length N, N bytes of JSON, then the data section that the JSON's data_offsets index.
// The reader validates the whole header against the file size before it allocates a tensor,
// then reads each tensor straight into its storage (no copy of the file in memory).
// Not memory-mapped and not lazy: files here are model weights and checkpoints, read whole.
#include "soma/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "soma/io/atomic_file.h"

namespace soma::io {
namespace {

// NOTE: data is copied to and from memory byte for byte; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "soma's safetensors I/O assumes a little-endian host");

// ordered_json keeps the header's key order, which is the order load_safetensors promises.
using Json = nlohmann::ordered_json;

// A header this large is not a header: the limit keeps a corrupt length from allocating gigabytes.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";
// A header is 3 levels deep (the object, an entry, its shape); a deeper one is refused while it
// is parsed, before a deep tree is built (copying or printing one recurses, and 100 MB of
// brackets would overflow the stack).
constexpr int kMaxHeaderDepth = 10;

const char* format_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    default: return "I64";
  }
}

std::optional<DType> parse_dtype(const std::string& name) {
  if (name == "F32") return DType::f32;
  if (name == "F64") return DType::f64;
  if (name == "I64") return DType::i64;
  return std::nullopt;
}

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// The untrusted file being read. Every error names it.
class Input {
 public:
  explicit Input(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open it: ", std::strerror(errno));
    struct stat info {};
    if (::fstat(fd_, &info) != 0) fail("cannot stat it: ", std::strerror(errno));
    if (!S_ISREG(info.st_mode)) fail("not a regular file");
    size_ = std::uint64_t(info.st_size);
  }
  ~Input() {
    if (fd_ >= 0) ::close(fd_);
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  std::uint64_t size() const { return size_; }

  // Reads exactly `n` bytes at `offset`; callers have checked the range against size().
  void read_at(void* dst, std::uint64_t n, std::uint64_t offset, const std::string& what) const {
    auto* p = static_cast<char*>(dst);
    while (n > 0) {
      const ssize_t got = ::pread(fd_, p, n, off_t(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail("reading ", what, " at byte ", offset, ": ", std::strerror(errno));
      if (got == 0) fail("the file ended at byte ", offset, " while reading ", what, " (did it change while being read?)");
      p += got, n -= std::uint64_t(got), offset += std::uint64_t(got);
    }
  }

  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    detail::throw_error("safetensors '", path_, "': ", args...);
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// One tensor's header entry, validated.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin, end;  // in the data section
};

// Validates one header entry on its own (the ranges are checked against each other later).
// `data_start` and `data_size` place the data section in the file for the messages.
Entry parse_entry(const Input& in, const std::string& name, const Json& info, std::uint64_t data_start,
                  std::uint64_t data_size) {
  auto fail = [&](const auto&... args) { in.fail("tensor '", name, "': ", args...); };
  if (!info.is_object()) fail("its header entry is a JSON ", info.type_name(), ", expected an object with dtype, shape and data_offsets");
  for (const auto& [key, value] : info.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      fail("unexpected key '", key, "' in its header entry (expected dtype, shape and data_offsets)");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) fail("its header entry has no '", key, "'");

  Entry e{.name = name, .dtype = DType::f32, .shape = {}, .begin = 0, .end = 0};
  const Json& dtype = info["dtype"];
  if (!dtype.is_string()) fail("dtype is a JSON ", dtype.type_name(), ", expected a string such as \"F32\"");
  const auto parsed = parse_dtype(dtype.get<std::string>());
  if (!parsed) fail("dtype '", dtype.get<std::string>(), "' is not supported; soma reads F32, F64 and I64");
  e.dtype = *parsed;

  // Bytes the shape needs, computed without overflow: a corrupt shape must not wrap around to
  // a size that matches its offsets. The product of the non-zero sizes must also fit int64,
  // which Shape::numel computes.
  const Json& shape = info["shape"];
  if (!shape.is_array()) fail("shape is a JSON ", shape.type_name(), ", expected an array of sizes");
  if (shape.size() > std::size_t(Shape::kMaxDims))
    fail("shape has ", shape.size(), " dimensions; soma tensors have at most ", Shape::kMaxDims);
  std::uint64_t nonzero_product = 1;
  bool has_zero = false;
  for (const Json& size : shape) {
    if (!size.is_number_unsigned()) fail("shape ", shape.dump(), " has an entry that is not a non-negative integer");
    const std::uint64_t s = size.get<std::uint64_t>();
    if (s == 0) has_zero = true;
    else if (__builtin_mul_overflow(nonzero_product, s, &nonzero_product) ||
             nonzero_product > std::uint64_t(std::numeric_limits<std::int64_t>::max()) / 8)
      fail("shape ", shape.dump(), " has too many elements");
    e.shape.push_back(std::int64_t(s));
  }
  const std::uint64_t needed = has_zero ? 0 : nonzero_product * size_of(e.dtype);

  const Json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    fail("data_offsets ", offsets.dump(), " is not a pair [begin, end] of non-negative integers");
  e.begin = offsets[0].get<std::uint64_t>();
  e.end = offsets[1].get<std::uint64_t>();
  if (e.begin > e.end) fail("data_offsets ", range_text(e.begin, e.end), " end before they begin");
  if (e.end - e.begin != needed)
    fail("shape ", e.shape, " of ", format_name(e.dtype), " needs ", needed, " bytes but data_offsets ",
         range_text(e.begin, e.end), " hold ", e.end - e.begin, " (at file byte ", data_start + e.begin, ")");
  if (e.end > data_size)
    fail("data_offsets ", range_text(e.begin, e.end), " run past the end of the data section, which has ", data_size,
         " bytes (file bytes ", data_start, " to ", data_start + data_size, "); is the file truncated?");
  return e;
}

// Checks that the ranges tile the data section exactly: no overlap (two tensors sharing bytes)
// and no holes (the format forbids unindexed bytes, which could smuggle other content).
void check_tiling(const Input& in, const std::vector<Entry>& entries, std::uint64_t data_start, std::uint64_t data_size) {
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(entries[a].begin, entries[a].end) < std::pair(entries[b].begin, entries[b].end);
  });
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (std::size_t i : order) {
    const Entry& e = entries[i];
    if (e.begin < covered)
      in.fail("tensor '", e.name, "': data_offsets ", range_text(e.begin, e.end), " overlap those of tensor '",
              previous->name, "' ", range_text(previous->begin, previous->end), " (at file byte ", data_start + e.begin, ")");
    if (e.begin > covered)
      in.fail("bytes ", covered, " to ", e.begin, " of the data section (file bytes ", data_start + covered, " to ",
              data_start + e.begin, ") belong to no tensor; expected tensor '", e.name, "' to start at ", covered);
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size)
    in.fail("the data section has ", data_size, " bytes (file bytes ", data_start, " to ", data_start + data_size,
            ") but the tensors' data ends at byte ", covered, " of it (file byte ", data_start + covered, ")");
}

std::map<std::string, std::string> parse_metadata(const Input& in, const Json& metadata) {
  if (!metadata.is_object()) in.fail("__metadata__ is a JSON ", metadata.type_name(), ", expected an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) in.fail("__metadata__ entry '", key, "' is a JSON ", value.type_name(), ", expected a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace

const Tensor& SafetensorsFile::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  std::string names;
  for (const auto& [n, t] : tensors) names += (names.empty() ? "" : ", ") + n;
  detail::throw_error("safetensors: no tensor named '", name, "'; the file holds: ", names.empty() ? "(none)" : names);
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  // __metadata__ first, as the reference writer does; readers find it by name.
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    SOMA_CHECK(name != kMetadataKey, "save_safetensors '", path, "': '", kMetadataKey, "' is reserved, not a tensor name");
    SOMA_CHECK(!header.contains(name), "save_safetensors '", path, "': two tensors are named '", name, "'");
    SOMA_CHECK(t.defined(), "save_safetensors '", path, "': tensor '", name, "' is undefined");
    const std::uint64_t bytes = std::uint64_t(t.numel()) * size_of(t.dtype());
    header[name] = {{"dtype", format_name(t.dtype())},
                    {"shape", std::vector<std::int64_t>(t.shape().begin(), t.shape().end())},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception&) {  // only invalid UTF-8 in a name or a metadata string
    detail::throw_error("save_safetensors '", path, "': a tensor name or metadata string is not valid UTF-8");
  }
  // Spaces (JSON whitespace) pad the header so the data section starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::byte length[8];
  for (int i = 0; i < 8; ++i) length[i] = std::byte(std::uint64_t(text.size()) >> (8 * i) & 0xFF);
  AtomicFile file(path);
  file.write(length);
  file.write(text);
  for (const auto& [name, t] : tensors)
    file.write({static_cast<const std::byte*>(t.raw_data()), std::size_t(t.numel()) * size_of(t.dtype())});
  file.commit();
}

SafetensorsFile load_safetensors(const std::string& path) {
  const Input in(path);
  if (in.size() < 8)
    in.fail("the file has ", in.size(), " bytes, fewer than the 8-byte header length at byte 0 that starts every safetensors file");
  unsigned char length_bytes[8];
  in.read_at(length_bytes, 8, 0, "the header length");
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = header_size << 8 | length_bytes[i];
  if (header_size > kMaxHeaderBytes)
    in.fail("the header length at byte 0 is ", header_size, " bytes, more than the limit of ", kMaxHeaderBytes,
            "; is this a safetensors file?");
  if (header_size > in.size() - 8)
    in.fail("the header length at byte 0 is ", header_size, " bytes but the file has only ", in.size() - 8,
            " bytes after it; is the file truncated?");
  const std::uint64_t data_start = 8 + header_size, data_size = in.size() - data_start;

  std::string text(header_size, '\0');
  in.read_at(text.data(), header_size, 8, "the header");
  Json header;
  try {
    // The callback sees each object or array as it opens, `depth` levels below the top.
    header = Json::parse(text, [&](int depth, Json::parse_event_t event, Json&) {
      if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
          depth >= kMaxHeaderDepth)
        in.fail("the header (file bytes 8 to ", data_start, ") nests objects and arrays deeper than ", kMaxHeaderDepth,
                " levels; expected tensor entries {\"dtype\", \"shape\", \"data_offsets\"}, 3 levels deep");
      return true;
    });
  } catch (const Json::parse_error& e) {
    // e.byte counts from 1 within the header text; the message after "] " says what was wrong.
    const std::string what = e.what();
    in.fail("the header (file bytes 8 to ", data_start, ") is not valid JSON: error at file byte ",
            8 + (e.byte > 0 ? e.byte - 1 : 0), ": ", what.substr(what.find("] ") + 2));
  } catch (const Json::exception& e) {  // e.g. a number too large for a double (1e400)
    const std::string what = e.what();
    in.fail("the header (file bytes 8 to ", data_start, ") is not valid JSON: ", what.substr(what.find("] ") + 2));
  }
  if (!header.is_object())
    in.fail("the header at byte 8 is a JSON ", header.type_name(), ", expected an object of tensor entries");

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == kMetadataKey) out.metadata = parse_metadata(in, info);
    else entries.push_back(parse_entry(in, name, info, data_start, data_size));
  }
  check_tiling(in, entries, data_start, data_size);

  // Everything is consistent with the file's size: now allocate and read.
  out.tensors.reserve(entries.size());
  for (const Entry& e : entries) {
    Tensor t(e.shape, e.dtype);
    in.read_at(t.raw_data(), e.end - e.begin, data_start + e.begin, "tensor '" + e.name + "'");
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace soma::io
