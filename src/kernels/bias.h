// The bias loops of a dense layer: rows [rows, n] starting from a bias row (forward) and
// the bias gradient, the sum of the output gradient's rows (backward). As generic scalar
// loops they took 13% of benchmark B6's training step (docs/performance.md).
#pragma once

#include <cstdint>

namespace soma::kernels {

/// out[r, j] = row[j] for r < rows, j < n.
template <class T>
void fill_rows(const T* row, T* out, std::int64_t rows, std::int64_t n);

/// out[j] = 0 + x[0, j] + x[1, j] + ... + x[rows - 1, j], summed in that order, for j < n.
template <class T>
void sum_rows(const T* x, T* out, std::int64_t rows, std::int64_t n);

}  // namespace soma::kernels
