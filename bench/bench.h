// soma-bench internals: what a workload receives and returns, the timing rule of
// shared/BENCHMARKS.md (one warm-up, then the median of several repetitions), and the
// table of workloads. A new workload is one function in a bench/workloads_*.cpp file, its
// declaration below, and one entry in kWorkloads (bench/main.cpp). Standard library only:
// soma-bench-dlib (bench/dlib) uses the timing rule too.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace soma::bench {

struct Options {
  int threads = 1;
  long size = 0;  ///< workload-specific (B10: matrix side); 0 means the workload's default
};

struct Result {
  std::string metric;  ///< e.g. "iterations_per_s" (fixed per workload, see shared/DESIGN.md)
  double value = 0;
  /// Extra fields printed after the fixed ones, e.g. {"size", 1024}.
  std::vector<std::pair<std::string, double>> extra;
  /// Extra text fields, e.g. {"note", "..."} where a peer cannot run the workload exactly.
  std::vector<std::pair<std::string, std::string>> text;
  /// Set when the run is invalid (e.g. B1 did not reach its loss); the runner exits non-zero.
  std::string error;
};

using WorkloadFn = Result (*)(const Options&);

struct Workload {
  const char* id;           ///< "B1"
  const char* name;         ///< "xor"
  const char* description;  ///< one line for --help
  WorkloadFn run;
};

// Workloads, one group per file.
Result run_xor(const Options& options);     // B1, workloads_dense.cpp
Result run_infer1(const Options& options);  // B9, workloads_dense.cpp
Result run_mlp(const Options& options);        // B2, workloads_train.cpp
Result run_dqn_state(const Options& options);  // B6, workloads_train.cpp
Result run_gemm(const Options& options);    // B10, workloads_gemm.cpp
Result run_cnn(const Options& options);         // B3, workloads_cnn.cpp
Result run_lstm(const Options& options);        // B4, workloads_recurrent.cpp
Result run_dqn_pixels(const Options& options);  // B5, workloads_cnn.cpp
Result run_rbm(const Options& options);         // B8, workloads_generative.cpp
Result run_gan(const Options& options);         // B7, workloads_gan.cpp
Result run_dqn_cartpole(const Options& options);  // B11, workloads_rl.cpp

/// The process's peak resident memory so far (VmHWM of /proc/self/status), in MiB; 0 if unknown.
inline double peak_rss_mb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::strtod(line + 6, nullptr);
  std::fclose(f);
  return kb / 1024;
}

/// Seconds since an arbitrary origin (steady clock).
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Repetitions after the warm-up (BENCHMARKS.md asks for at least 3).
constexpr int kRepetitions = 5;

/// Runs `repetition` once to warm up (caches, allocator, lazy library init), then
/// kRepetitions times, and returns the median of the values it returns (each a rate or a
/// time measured by the repetition itself, so setup outside its stopwatch is not counted).
template <class F>
double median_of_repetitions(F&& repetition) {
  repetition();
  std::vector<double> values;
  for (int i = 0; i < kRepetitions; ++i) values.push_back(repetition());
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

/// Seconds per call of `f` over `calls` back-to-back calls.
template <class F>
double seconds_per_call(F&& f, long calls) {
  const double start = now_s();
  for (long i = 0; i < calls; ++i) f();
  return (now_s() - start) / double(calls);
}

/// How many calls of `f` last about `seconds`: a repetition of that many calls gives a
/// reading far above the clock's resolution, whether one call takes 1 us or 100 ms.
template <class F>
long calls_lasting(F&& f, double seconds) {
  long calls = 1;
  for (;;) {
    const double per_call = seconds_per_call(f, calls);
    if (per_call * double(calls) >= seconds / 4) return std::max(1L, long(seconds / per_call));
    calls *= 4;
  }
}

}  // namespace soma::bench
