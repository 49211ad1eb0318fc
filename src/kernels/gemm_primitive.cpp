// The cached matmul primitives of gemm_primitive.h. Per thread, so that neither the cache nor
// the scratchpad is shared; a thread meets a handful of shapes, and the cache is emptied should
// it ever hold more than kMaxShapes. The scratchpad is ours (one buffer per thread, grown to the
// largest need): left to oneDNN it was allocated on every run, and its fresh pages cost more
// (6% of benchmark B7's step in the kernel's page clearing) than the primitive saved.
#include "kernels/gemm_primitive.h"

#include <omp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>

namespace soma::kernels {
namespace {

using dnnl::memory;
// The shape, the strides, beta, and the thread count: oneDNN may fix a primitive's team size
// when it builds it, and gemm asks for one thread for small products.
using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, float, int>;
constexpr std::size_t kMaxShapes = 64;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

struct Entry {
  memory::desc a, b, c, scratchpad;
  dnnl::matmul matmul;
};

// This thread's scratchpad, at least `bytes` long, 64-byte aligned.
void* scratchpad(std::size_t bytes) {
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  static thread_local std::unique_ptr<void, Free> buffer;
  static thread_local std::size_t size = 0;
  if (bytes > size) {
    size = (bytes + 63) / 64 * 64;
    buffer.reset(std::aligned_alloc(64, size));
    if (!buffer) {
      size = 0;
      throw std::bad_alloc();
    }
  }
  return buffer.get();
}

Entry build(std::int64_t M, std::int64_t N, std::int64_t K, std::int64_t lda, std::int64_t ldb, float beta,
            std::int64_t ldc) {
  Entry e;
  e.a = memory::desc({M, K}, memory::data_type::f32, memory::dims{lda, 1});
  e.b = memory::desc({K, N}, memory::data_type::f32, memory::dims{1, ldb});  // B^T: B stored [N, K]
  e.c = memory::desc({M, N}, memory::data_type::f32, memory::dims{ldc, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (beta != 0) {  // C = A B^T + beta C: oneDNN's "sum" post-op
    dnnl::post_ops ops;
    ops.append_sum(beta);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(e.a, e.b, e.c), attr, engine());
  e.scratchpad = pd.scratchpad_desc();
  e.matmul = dnnl::matmul(pd);
  return e;
}

}  // namespace

bool matmul_primitive_abt(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                          const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
  static thread_local std::map<Key, Entry> cache;
  static thread_local dnnl::stream stream(engine());
  const Key key{M, N, K, lda, ldb, ldc, beta, omp_get_max_threads()};
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= kMaxShapes) cache.clear();
    try {
      it = cache.emplace(key, build(M, N, K, lda, ldb, beta, ldc)).first;
    } catch (const dnnl::error&) {
      return false;  // the caller falls back to dnnl_sgemm
    }
  }
  const Entry& e = it->second;
  memory a(e.a, engine(), const_cast<float*>(A)), b(e.b, engine(), const_cast<float*>(B)), c(e.c, engine(), C);
  memory pad(e.scratchpad, engine(), scratchpad(e.scratchpad.get_size()));
  e.matmul.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}, {DNNL_ARG_SCRATCHPAD, pad}});
  stream.wait();
  return true;
}

}  // namespace soma::kernels
