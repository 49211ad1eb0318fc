// safetensors files: named tensors plus string metadata, the format of Hugging Face's
// `safetensors` library, so weights move between soma and PyTorch (docs/serialization.md).
// Reads and writes F32, F64 and I64 only (soma's dtypes); not a lazy or memory-mapped reader:
// load_safetensors reads every tensor into memory.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::io {

/// What a safetensors file holds.
struct SafetensorsFile {
  /// The tensors in the order of the file's header, each a fresh tensor outside any graph.
  std::vector<std::pair<std::string, Tensor>> tensors{};
  /// The header's "__metadata__" (empty when absent).
  std::map<std::string, std::string> metadata{};

  /// The tensor named `name`. Throws soma::Error listing the names present when absent.
  const Tensor& at(const std::string& name) const;
};

/// Writes `tensors` (in this order) and `metadata` to `path` as a safetensors file, atomically
/// (see io::AtomicFile): the header is padded with spaces so the data starts 8-byte aligned,
/// and the data of each tensor follows the previous one's, little-endian, row-major.
/// Requires: every tensor defined; names unique and not "__metadata__".
/// Throws soma::Error naming `path` (and the tensor) when a requirement fails or the file
/// cannot be written; the old file at `path`, if any, is then left as it was.
///   io::save_safetensors("w.safetensors", {{"weight", w}, {"bias", b}}, {{"epoch", "3"}});
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

/// Reads a safetensors file. The file is untrusted: before allocating anything sized by the
/// file it checks the header length against the file size and a 100 MB limit, that the header
/// is a JSON object of entries {"dtype", "shape", "data_offsets"} nested at most 10 levels deep
/// (refused while parsing, before a tree is built), that each dtype is F32, F64
/// or I64, that each byte range fits its shape and lies in the data section, and that the
/// ranges neither overlap nor leave holes and end exactly at the end of the file.
/// Throws soma::Error naming `path`, the tensor and the byte offset in the file where a check
/// fails, and what was expected there.
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace soma::io
