// Thread settings. oneDNN's GEMM runs on the same OpenMP pool as soma's kernels, so one
// setting governs both (OpenBLAS, used for float64 only, is kept single-threaded in
// kernels/gemm.cpp so that two pools never fight over the cores).
#include "soma/core/threads.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "soma/core/error.h"

namespace soma {
namespace {

std::atomic<bool> deterministic_mode{false};
// Set by set_openmp_defaults when it chose the wait policy: the program's environment is put
// back as it was once main starts (glibc's start-up resets it), so getenv no longer shows it.
bool chose_passive = false;

// cgroup v2's cpu.max ("QUOTA PERIOD", or "max PERIOD"), then v1's pair of files: the cores'
// worth of CPU time a container may use, 0 when unlimited or unknown. Plain stdio, because it
// also runs before the C++ runtime is set up (see set_openmp_defaults).
int cgroup_cpu_limit() {
  double quota = -1, period = 0;
  if (std::FILE* f = std::fopen("/sys/fs/cgroup/cpu.max", "r")) {
    char text[64] = {};
    if (std::fscanf(f, "%63s %lf", text, &period) == 2 && std::strcmp(text, "max") != 0) quota = std::atof(text);
    std::fclose(f);
  } else if (std::FILE* q = std::fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r")) {
    if (std::fscanf(q, "%lf", &quota) != 1) quota = -1;
    std::fclose(q);
    if (std::FILE* p = std::fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r")) {
      if (std::fscanf(p, "%lf", &period) != 1) period = 0;
      std::fclose(p);
    }
  }
  return quota > 0 && period > 0 ? std::max(1, int(std::ceil(quota / period))) : 0;
}

// What OpenMP would otherwise do by default, changed for soma's programs before libgomp reads
// its environment (it does so once, in its own constructor):
// - Waiting threads sleep instead of spinning. libgomp's threads spin for about 3 ms after each
//   parallel region when OMP_WAIT_POLICY is unset; with another process busy on the machine
//   the spinning takes the CPU that the region's other thread needs, and 2 threads ran B3 4x
//   slower than 1 (docs/performance.md, "Threads on a busy machine").
// - The thread count is the CPUs this process may use: its affinity mask (libgomp's default)
//   and a container's CPU quota, which libgomp does not read.
// A variable the user set is kept. The variables are set only while libgomp starts: child
// processes see the user's environment.
void set_openmp_defaults() {
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT"))
    chose_passive = setenv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0;
  if (!std::getenv("OMP_NUM_THREADS")) {
    const int limit = cgroup_cpu_limit();
    cpu_set_t set;
    const int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (limit > 0 && (affinity == 0 || limit < affinity)) {
      char text[16];
      std::snprintf(text, sizeof text, "%d", limit);
      setenv("OMP_NUM_THREADS", text, 0);
    }
  }
}

}  // namespace

// NOTE: an entry in the program's .preinit_array runs before any shared library's
// constructor, libgomp's included; a constructor of ours would run too late. Only a static
// soma_core may hold one (a shared library cannot), which is how soma is built.
#ifdef SOMA_STATIC_CORE
[[gnu::used, gnu::section(".preinit_array")]] static void (*const soma_openmp_defaults)() = set_openmp_defaults;
#endif

int available_cpus() {
  cpu_set_t set;
  int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : omp_get_num_procs();
  const int limit = cgroup_cpu_limit();
  if (limit > 0) n = std::min(n, limit);
  return std::max(1, n);
}

std::string openmp_wait_policy() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  if (spin) return std::string("GOMP_SPINCOUNT=") + spin;
  if (policy) return policy;
  return chose_passive ? "PASSIVE" : "(OpenMP's default)";
}

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  SOMA_CHECK(n >= 1 && n <= kMaxThreads, "set_num_threads: expected 1 to ", kMaxThreads, " threads, got ", n);
  omp_set_num_threads(n);
}

bool deterministic() { return deterministic_mode.load(std::memory_order_relaxed); }

void set_deterministic(bool on) { deterministic_mode.store(on, std::memory_order_relaxed); }

}  // namespace soma
