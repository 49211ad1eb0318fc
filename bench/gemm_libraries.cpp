// soma-gemm-libraries: the measurements behind soma's choice of GEMM library
// (docs/performance.md). Times fp32 C = A op(B) for the shapes soma meets, through
// OpenBLAS (cblas_sgemm, and cblas_sgemv for one row), oneDNN's dnnl_sgemm and a oneDNN
// matmul primitive created once. OpenBLAS's kernels follow OPENBLAS_CORETYPE from the
// environment, so run it with and without that variable to compare (see the doc).
//   soma-gemm-libraries [--threads N]
#include <cblas.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <iterator>
#include <thread>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "bench.h"

namespace {

using soma::bench::calls_lasting;
using soma::bench::median_of_repetitions;
using soma::bench::seconds_per_call;

// M x K times a K x N operand. `b_transposed`: B is stored as [N, K] row-major, the layout of
// a Dense weight [out, in], which is how soma's linear() calls GEMM.
struct Case {
  const char* name;
  long M, N, K;
  bool b_transposed;
};

template <class F>
double median_us(F&& f) {
  const long calls = calls_lasting(f, 0.2);
  return median_of_repetitions([&] { return seconds_per_call(f, calls) * 1e6; });
}

enum class Library { dnnl_sgemm, dnnl_matmul, openblas_sgemm, openblas_sgemv };
constexpr const char* kLibraryNames[] = {"dnnl_sgemm", "dnnl matmul primitive", "openblas cblas_sgemm",
                                         "openblas cblas_sgemv"};

// Median microseconds per product of `c` through `library`; 0 where it does not apply.
double measure(const Case& c, Library library) {
  const long bn = c.b_transposed ? c.K : c.N;  // row length of B as stored
  std::vector<float> A(c.M * c.K), B(c.K * c.N), C(c.M * c.N);
  for (std::size_t i = 0; i < A.size(); ++i) A[i] = float(i % 17) / 17 - 0.5f;
  for (std::size_t i = 0; i < B.size(); ++i) B[i] = float(i % 13) / 13 - 0.5f;
  switch (library) {
    case Library::dnnl_sgemm:
      return median_us([&] {
        dnnl_sgemm('N', c.b_transposed ? 'T' : 'N', c.M, c.N, c.K, 1.f, A.data(), c.K, B.data(), bn, 0.f, C.data(),
                   c.N);
      });
    case Library::openblas_sgemm:
      return median_us([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, c.b_transposed ? CblasTrans : CblasNoTrans, int(c.M), int(c.N),
                    int(c.K), 1.f, A.data(), int(c.K), B.data(), int(bn), 0.f, C.data(), int(c.N));
      });
    case Library::openblas_sgemv:  // y = op(B)^T x: for B stored [N, K] that is B x, no transpose
      if (c.M != 1) return 0;
      return median_us([&] {
        cblas_sgemv(CblasRowMajor, c.b_transposed ? CblasNoTrans : CblasTrans, int(c.b_transposed ? c.N : c.K),
                    int(c.b_transposed ? c.K : c.N), 1.f, B.data(), int(bn), A.data(), 1, 0.f, C.data(), 1);
      });
    case Library::dnnl_matmul: {  // created once, executed many times
      using dnnl::memory;
      dnnl::engine engine(dnnl::engine::kind::cpu, 0);
      dnnl::stream stream(engine);
      const memory::desc a_md({c.M, c.K}, memory::data_type::f32, memory::format_tag::ab);
      const memory::desc b_md({c.K, c.N}, memory::data_type::f32,
                              c.b_transposed ? memory::format_tag::ba : memory::format_tag::ab);
      const memory::desc c_md({c.M, c.N}, memory::data_type::f32, memory::format_tag::ab);
      const dnnl::matmul matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine));
      memory a_mem(a_md, engine, A.data()), b_mem(b_md, engine, B.data()), c_mem(c_md, engine, C.data());
      return median_us([&] {
        matmul.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
        stream.wait();
      });
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else {
      std::printf("usage: soma-gemm-libraries [--threads N]   (OPENBLAS_CORETYPE is read from the environment)\n");
      return std::strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  omp_set_num_threads(threads);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf("threads %d, OPENBLAS_CORETYPE=%s, OpenBLAS core %s\n", threads, coretype ? coretype : "(unset)",
              openblas_get_corename());
  const Case cases[] = {
      {"1x784x256", 1, 256, 784, true},       // B9's first layer at batch 1 (x W^T)
      {"64x784x256", 64, 256, 784, true},     // B2's first layer at batch 64
      {"256^3", 256, 256, 256, false},        // B10
      {"1024^3", 1024, 1024, 1024, false},    // B10
  };
  // One library at a time, with a pause between: OpenBLAS's pthreads and OpenMP's threads
  // each spin for a while after a call, and measured interleaved they steal each other's
  // cores (with 2 threads, dnnl_sgemm on 1x784x256 took 10 ms instead of 10 us).
  constexpr int kLibraries = 4;
  double us[std::size(cases)][kLibraries] = {};
  for (int l = 0; l < kLibraries; ++l) {
    // OpenBLAS's pool exists only while its own figures are taken (threads > 1 creates it).
    openblas_set_num_threads(Library(l) == Library::openblas_sgemm || Library(l) == Library::openblas_sgemv ? threads : 1);
    for (std::size_t i = 0; i < std::size(cases); ++i) us[i][l] = measure(cases[i], Library(l));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  for (std::size_t i = 0; i < std::size(cases); ++i)
    for (int l = 0; l < kLibraries; ++l) {
      if (us[i][l] == 0) continue;
      const Case& c = cases[i];
      std::printf("%-12s %-22s %10.2f us %9.1f GFLOP/s\n", c.name, kLibraryNames[l], us[i][l],
                  2.0 * c.M * c.N * c.K / us[i][l] * 1e-3);
    }
}
