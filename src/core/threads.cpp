// Thread settings. oneDNN's GEMM runs on the same OpenMP pool as soma's kernels, so one
// setting governs both (OpenBLAS, used for float64 only, is kept single-threaded in
// kernels/gemm.cpp so that two pools never fight over the cores).
#include "soma/core/threads.h"

#include <omp.h>

#include <atomic>

#include "soma/core/error.h"

namespace soma {
namespace {
std::atomic<bool> deterministic_mode{false};
}  // namespace

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  SOMA_CHECK(n >= 1 && n <= kMaxThreads, "set_num_threads: expected 1 to ", kMaxThreads, " threads, got ", n);
  omp_set_num_threads(n);
}

bool deterministic() { return deterministic_mode.load(std::memory_order_relaxed); }

void set_deterministic(bool on) { deterministic_mode.store(on, std::memory_order_relaxed); }

}  // namespace soma
