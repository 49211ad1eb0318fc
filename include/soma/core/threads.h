// Thread settings: one OpenMP pool shared by soma's kernels and oneDNN's GEMM.
#pragma once

namespace soma {

/// The most threads soma accepts anywhere (set_num_threads, a config's "threads", --threads).
inline constexpr int kMaxThreads = 1024;

/// Threads used by parallel kernels (default: the number of cores).
int num_threads();
/// Sets the thread count for soma's kernels and GEMM. Throws soma::Error unless
/// 1 <= n <= kMaxThreads.
void set_num_threads(int n);

}  // namespace soma
