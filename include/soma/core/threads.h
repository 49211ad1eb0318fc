// Thread settings: one OpenMP pool shared by soma's kernels and oneDNN's GEMM, and whether
// results may depend on the thread count (docs/reproducibility.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
/// 1 <= n <= kMaxThreads. A count set here (or by OMP_NUM_THREADS) is a choice that
/// AdaptiveThreads leaves alone.
void set_num_threads(int n);
/// Whether the thread count was chosen (set_num_threads, OMP_NUM_THREADS) rather than left to
/// soma's default.
bool threads_chosen();

/// The default thread count's rule in a loop of steps (train::Loop, the benchmarks): use all
/// of num_threads() or one thread, whichever runs the loop faster right now. On a machine where
/// another process holds a core, every parallel region waits for the thread that shares it,
/// and two threads can run several times slower than one (docs/performance.md, "Threads on a
/// busy machine"). So it times the loop's iterations, tries the other count for a few
/// iterations every few seconds (at once when the current one slows by half), and keeps the
/// faster. Does nothing when the count was chosen or is 1. Without deterministic mode a
/// result may depend on the thread count, so a run left to this rule may differ in its last
/// bits from a rerun; choose a count (or deterministic mode) for bit-identical reruns.
class AdaptiveThreads {
 public:
  /// most = 0: adapts between num_threads() and 1 unless the count was chosen (the rule of
  /// soma's default); most > 1: between most and 1 in any case.
  explicit AdaptiveThreads(int most = 0);
  /// Restores num_threads() as it was.
  ~AdaptiveThreads();
  AdaptiveThreads(const AdaptiveThreads&) = delete;
  AdaptiveThreads& operator=(const AdaptiveThreads&) = delete;

  /// Call once per iteration, at the same point of each: the time since the previous call is
  /// the last iteration's, and the thread count for the next one is set here.
  void tick();
  /// Whether it adapts at all.
  bool active() const { return most_ > 1; }
  /// Iterations timed at each count (one thread, then all), for reports.
  std::int64_t iterations_at(bool all) const { return all ? counted_[1] : counted_[0]; }

 private:
  void use(bool all);
  double median_of_last(const std::vector<double>& times) const;

  int most_ = 1;               // the count to adapt from; 1 when not adapting
  int before_ = 1;             // num_threads() before, restored at the end
  bool all_ = true;            // whether the current count is most_ (else 1)
  bool probing_ = false;       // trying the other count for a few iterations
  bool skip_ = false;          // the first iteration after a change warms caches: not counted
  double last_ = -1;           // the previous tick's time
  double decided_ = 0;         // when the current count was last chosen
  double usual_ = 0;           // the current count's median iteration when chosen
  std::int64_t held_ = 0;      // iterations at the current count since it was chosen
  std::vector<double> current_, other_;  // recent iteration times at each
  std::int64_t counted_[2] = {0, 0};
};

/// Whether every result is independent of the thread count. When on, GEMM and convolution
/// split their work into chunks fixed by the shapes alone, each computed on one thread, and
/// partial sums are added in chunk order; the same seed then gives bit-identical weights and
/// metrics at 1 and at 64 threads (on the same machine and build). Process-wide, like the
/// thread count.
bool deterministic();
/// Turns deterministic mode on or off (soma train --deterministic, a config's "deterministic").
void set_deterministic(bool on);

}  // namespace soma
