// Thread settings. oneDNN's GEMM runs on the same OpenMP pool as soma's kernels, so one
// setting governs both (OpenBLAS, used for float64 only, is kept single-threaded in
// kernels/gemm.cpp so that two pools never fight over the cores).
#include "soma/core/threads.h"

#include <omp.h>

#include "soma/core/error.h"

namespace soma {
int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  SOMA_CHECK(n >= 1 && n <= kMaxThreads, "set_num_threads: expected 1 to ", kMaxThreads, " threads, got ", n);
  omp_set_num_threads(n);
}

}  // namespace soma
