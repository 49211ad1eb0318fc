// NPY files (NumPy's np.save format, versions 1.0-3.0): read and write one array. Only the
// plain numeric dtypes soma uses, little-endian, C order; no .npz archives, no pickled objects.
#pragma once

#include <optional>
#include <string>

#include "soma/core/tensor.h"

namespace soma::data {

/// Reads an .npy file. Supported dtypes: '<f4', '<f8', '<i8' and '|u1'. Without `dtype`,
/// '<f4' and '|u1' give float32 (u1 values 0..255, not scaled), '<f8' float64, '<i8' int64;
/// with it, the values are converted to `dtype` (floating data to int64 only when every value
/// is a whole number). A 0-d array gives a 0-dim tensor.
///   Tensor x = data::read_npy("x.npy");                   // as saved by np.save
///   Tensor y = data::read_npy("y.npy", DType::i64);
/// The file is untrusted: header length, dtype, shape and data size are validated before
/// anything is allocated. Throws soma::Error naming the file, the byte offset and what was
/// expected, for: a missing file, a bad magic string, an unknown version, a truncated or
/// malformed header, an unsupported or big-endian dtype, fortran_order True, more than 8
/// dimensions, a shape whose product overflows, a data size that differs from the shape's.
Tensor read_npy(const std::string& path, std::optional<DType> dtype = std::nullopt);

/// Writes `t` (float32, float64 or int64) as a version 1.0 .npy file that np.load reads
/// back exactly ('<f4', '<f8', '<i8', C order). Writes a temporary file beside `path` and
/// renames it, so a crash never leaves a half-written file under the real name.
/// Throws soma::Error for an undefined tensor and when the file cannot be written.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace soma::data
