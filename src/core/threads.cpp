// Thread settings. oneDNN's GEMM runs on the same OpenMP pool as soma's kernels, so one
// setting governs both (OpenBLAS, used for float64 only, is kept single-threaded in
// kernels/gemm.cpp so that two pools never fight over the cores).
#include "soma/core/threads.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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
// Whether the thread count is someone's choice: OMP_NUM_THREADS from the user, or a call to
// set_num_threads.
std::atomic<bool> chosen_threads{false};

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

// The CPUs in this process's affinity mask, 0 when unknown.
int affinity_cpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
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
  if (std::getenv("OMP_NUM_THREADS")) {
    chosen_threads = true;
  } else {
    const int limit = cgroup_cpu_limit();
    const int affinity = affinity_cpus();
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
  int n = affinity_cpus();
  if (n == 0) n = omp_get_num_procs();
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
  chosen_threads = true;
}

bool threads_chosen() { return chosen_threads.load(std::memory_order_relaxed); }

namespace {
constexpr std::size_t kProbe = 3;      // iterations timed at the other count per probe
constexpr double kHoldSeconds = 4;     // between probes, unless the current count slows
constexpr std::int64_t kHoldIterations = 30;
constexpr double kSlowdown = 1.5;      // the current count this much slower: probe at once

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

AdaptiveThreads::AdaptiveThreads(int most) {
  before_ = num_threads();
  SOMA_CHECK(most >= 0 && most <= kMaxThreads, "AdaptiveThreads: expected 0 (soma's default) to ", kMaxThreads,
             " threads, got ", most);
  if (most > 1) most_ = most;
  else if (most == 0 && !threads_chosen() && num_threads() > 1) most_ = num_threads();
  if (active()) omp_set_num_threads(most_);
}

AdaptiveThreads::~AdaptiveThreads() {
  if (active()) omp_set_num_threads(before_);
}

void AdaptiveThreads::use(bool all) {
  all_ = all;
  omp_set_num_threads(all ? most_ : 1);
  skip_ = true;
}

double AdaptiveThreads::median_of_last(const std::vector<double>& times) const {
  std::vector<double> last(times.end() - std::ptrdiff_t(std::min(times.size(), kProbe)), times.end());
  std::nth_element(last.begin(), last.begin() + std::ptrdiff_t(last.size() / 2), last.end());
  return last[last.size() / 2];
}

void AdaptiveThreads::tick() {
  if (!active()) return;
  const double now = now_seconds();
  const double took = now - last_;
  const bool timed = last_ >= 0 && !skip_;
  last_ = now;
  skip_ = false;
  if (!timed) return;
  ++counted_[all_ ? 1 : 0];
  if (probing_) {
    other_.push_back(took);
    if (other_.size() < kProbe) return;
    // The probe is over: keep whichever count ran its recent iterations faster.
    probing_ = false;
    const double other = median_of_last(other_), current = median_of_last(current_);
    const bool switch_over = other < current;
    if (switch_over) std::swap(current_, other_);
    usual_ = switch_over ? other : current;
    other_.clear();
    decided_ = now;
    held_ = 0;
    if (!switch_over) use(!all_);  // back to the count it probed from
    return;
  }
  current_.push_back(took);
  ++held_;
  if (current_.size() > 64) current_.erase(current_.begin(), current_.end() - kProbe);
  if (current_.size() < kProbe) return;
  if (usual_ == 0) {  // the first iterations: the starting count's own figure
    usual_ = median_of_last(current_);
    decided_ = now;
  }
  const bool due = now - decided_ >= kHoldSeconds && held_ >= kHoldIterations;
  const bool slowed = median_of_last(current_) > kSlowdown * usual_;
  if (due || slowed || counted_[all_ ? 0 : 1] == 0) {
    // Try the other count; when it loses, the current count's recent times stay the reference.
    probing_ = true;
    other_.clear();
    use(!all_);
  }
}

bool deterministic() { return deterministic_mode.load(std::memory_order_relaxed); }

void set_deterministic(bool on) { deterministic_mode.store(on, std::memory_order_relaxed); }

}  // namespace soma
