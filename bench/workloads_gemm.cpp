// B10 gemm: C = A x B, fp32, square n (256, 1024, 2048), through soma::matmul, in GFLOP/s
// (2 n^3 flops per product). Beside it, for the same n and thread count: the raw dnnl_sgemm
// call soma dispatches to (so soma's own overhead shows as the ratio soma/BLAS), and the
// machine's FMA peak, measured here by a loop of independent FMAs at the widest vector width
// the CPU has (so "fraction of peak" is against this machine, not a datasheet).
#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <soma/soma.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "bench.h"

namespace soma::bench {
namespace {

// Independent accumulator chains: an FMA has a latency of 4-5 cycles and 2 pipes issue one
// each per cycle, so at least ~10 chains are needed to keep both busy; 16 leaves margin and
// still fits the register file with the two operands.
constexpr int kChains = 16;

// Each returns a value that depends on every FMA, so none can be dropped.
__attribute__((target("avx512f"))) float fma_chains_avx512(long iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  for (int c = 1; c < kChains; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
  return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2(long iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  for (int c = 1; c < kChains; ++c) acc[0] = _mm256_add_ps(acc[0], acc[c]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

struct FmaPeak {
  double gflops;
  int vector_bits;
};

// Peak fp32 GFLOP/s of `threads` threads: each thread runs the FMA loop and times itself,
// keeps its best rate over many short tries, and the peak is the sum of those bests. A peak
// is the least disturbed reading, and on a machine shared with other jobs every thread
// needs only one undisturbed try (timing the whole team instead, a try where any one thread
// was preempted spoilt the figure of all).
FmaPeak measure_fma_peak(int threads) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return {0, 0};
  const int lanes = avx512 ? 16 : 8;
  const long iterations = 5'000'000;  // ~25 ms per try at AVX-512 speed
  const double flops = 2.0 * lanes * kChains * double(iterations);
  std::vector<double> best(threads, 0.0);
  float sink = 0;
  for (int attempt = 0; attempt < 12; ++attempt) {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      const double start = now_s();
      sink += avx512 ? fma_chains_avx512(iterations) : fma_chains_avx2(iterations);
      const double rate = flops / (now_s() - start) * 1e-9;
      double& mine = best[omp_get_thread_num()];
      mine = std::max(mine, rate);
    }
  }
  if (sink == 0.5f) std::fputs("", stderr);  // keeps `sink` observable
  double peak = 0;
  for (double b : best) peak += b;
  return {peak, lanes * 32};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

Result run_gemm(const Options& options) {
  const long n = options.size ? options.size : 1024;
  const double flops = 2.0 * double(n) * double(n) * double(n);
  // The peak is measured before and after the products and the higher kept: the clock of
  // this VM's CPU moves with the host's load (FMA peaks of 165 to 230 GFLOP/s per core seen).
  FmaPeak peak = measure_fma_peak(options.threads);

  Generator gen(0);
  const Tensor a = uniform({n, n}, -1, 1, gen), b = uniform({n, n}, -1, 1, gen);
  Tensor c = zeros({n, n});
  auto soma_product = [&] { c = matmul(a, b); };
  std::vector<float> c_blas(std::size_t(n) * n);
  auto blas_product = [&] {
    if (dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data<float>(), n, b.data<float>(), n, 0.f, c_blas.data(), n) !=
        dnnl_success)
      throw std::runtime_error("dnnl_sgemm failed");
  };

  // soma and the raw call alternate within each repetition, so a disturbance from other
  // processes on the machine hits both alike and their ratio stays meaningful.
  const long calls = calls_lasting(soma_product, 0.3);
  seconds_per_call(blas_product, calls);  // warm-up of the raw call
  std::vector<double> soma_gflops, blas_gflops;
  for (int i = 0; i < kRepetitions; ++i) {
    soma_gflops.push_back(flops / seconds_per_call(soma_product, calls) * 1e-9);
    blas_gflops.push_back(flops / seconds_per_call(blas_product, calls) * 1e-9);
  }
  const double soma = median(soma_gflops), blas = median(blas_gflops);
  peak.gflops = std::max(peak.gflops, measure_fma_peak(options.threads).gflops);
  Result r{.metric = "gflops", .value = soma};
  r.extra = {{"size", double(n)},
             {"peak_gflops", peak.gflops},
             {"peak_fraction", peak.gflops > 0 ? soma / peak.gflops : 0},
             {"blas_gflops", blas},
             {"of_blas", soma / blas},
             {"vector_bits", double(peak.vector_bits)}};
  return r;
}

}  // namespace soma::bench
