// IDX reader: the format of MNIST and Fashion-MNIST (LeCun's "idx3-ubyte" files), plain or
// gzipped. Read-only: soma writes tensors as NPY or safetensors, not IDX.
#pragma once

#include <cstdint>
#include <string>

#include "soma/core/tensor.h"

namespace soma::data {

/// Reads an IDX file into a tensor of the shape its header gives, converted to `dtype`:
///   Tensor images = data::read_idx("train-images-idx3-ubyte.gz");          // float32 [60000, 28, 28]
///   Tensor labels = data::read_idx("train-labels-idx1-ubyte.gz", DType::i64);
/// Format: two zero bytes, a type code (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32,
/// 0x0D float32, 0x0E float64), the number of dimensions (at most 8), each dimension as a
/// big-endian uint32, then the elements big-endian, row-major. A file that starts with the gzip
/// magic (1f 8b) is decompressed as it is read. Values are converted, not scaled (ubyte 255 ->
/// 255.0f); float data converts to int64 only when every value is a whole number.
/// The file is untrusted: the header is checked before anything is allocated, and nothing is
/// allocated beyond what the file's size can hold.
/// Throws soma::Error naming the file, the byte offset and what was expected, for: a missing
/// file, a bad magic, an unknown type code, a truncated header, dimensions whose product
/// overflows, dimensions claiming more data than the file holds, a truncated (or damaged gzip)
/// body, bytes after the body, and a non-integral value asked for as int64.
/// With `max_rows` >= 0, only the first max_rows entries of the first dimension are read (the
/// rest of the file is neither read nor checked): a 1 MB gzip file that claims a gigabyte is
/// not inflated in full to show five images.
Tensor read_idx(const std::string& path, DType dtype = DType::f32, std::int64_t max_rows = -1);

/// The shape an IDX file's header declares, checked against the file's size as read_idx does;
/// the body is not read. Throws soma::Error as read_idx does for a bad header.
Shape idx_shape(const std::string& path);

}  // namespace soma::data
