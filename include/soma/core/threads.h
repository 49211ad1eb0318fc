// Thread settings: one OpenMP pool shared by soma's kernels and oneDNN's GEMM, and whether
// results may depend on the thread count (docs/reproducibility.md).
#pragma once

#include <string>

namespace soma {

/// The most threads soma accepts anywhere (set_num_threads, a config's "threads", --threads).
inline constexpr int kMaxThreads = 1024;

/// Threads used by parallel kernels. The default is available_cpus(), and waiting threads
/// sleep rather than spin (OMP_WAIT_POLICY=PASSIVE): a soma program sets both before OpenMP
/// starts, unless OMP_NUM_THREADS, OMP_WAIT_POLICY or GOMP_SPINCOUNT is set already
/// (docs/performance.md, "Threads on a busy machine").
int num_threads();
/// The CPUs this process may run on: its affinity mask, capped by its cgroup's CPU quota.
int available_cpus();
/// How OpenMP's idle threads wait, as its environment says ("PASSIVE" unless the user chose).
std::string openmp_wait_policy();
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
