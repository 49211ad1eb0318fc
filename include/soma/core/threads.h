// Thread settings: one OpenMP pool shared by soma's kernels and oneDNN's GEMM, and whether
// results may depend on the thread count (docs/reproducibility.md).
#pragma once

namespace soma {

/// The most threads soma accepts anywhere (set_num_threads, a config's "threads", --threads).
inline constexpr int kMaxThreads = 1024;

/// Threads used by parallel kernels (default: the number of cores).
int num_threads();
/// Sets the thread count for soma's kernels and GEMM. Throws soma::Error unless
/// 1 <= n <= kMaxThreads.
void set_num_threads(int n);

/// Whether every result is independent of the thread count. When on, GEMM and convolution
/// split their work into chunks fixed by the shapes alone, each computed on one thread, and
/// partial sums are added in chunk order; the same seed then gives bit-identical weights and
/// metrics at 1 and at 64 threads (on the same machine and build). Process-wide, like the
/// thread count.
bool deterministic();
/// Turns deterministic mode on or off (soma train --deterministic, a config's "deterministic").
void set_deterministic(bool on);

}  // namespace soma
