// Thread settings: one OpenMP pool shared by soma's kernels and oneDNN's GEMM.
#pragma once

namespace soma {

/// Threads used by parallel kernels (default: the number of cores).
int num_threads();
/// Sets the thread count for soma's kernels and GEMM. Throws for n < 1.
void set_num_threads(int n);

}  // namespace soma
