// matmul and linear: forward and backward side by side, every product one GEMM call
// (per batch entry for batched matmul).
#include "soma/ops/linalg.h"

#include "kernels/bias.h"
#include "kernels/gemm.h"
#include "ops/elementwise.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// Both operands seen as stacks of matrices: a is batch x [M, K], b is (batch or 1) x [K, N].
struct MatmulDims {
  std::int64_t batch = 1, M = 1, K = 1, N = 1;
  bool b_batched = false;
  Shape out;
};

MatmulDims matmul_dims(const Shape& a, const Shape& b) {
  SOMA_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both operands need at least one dimension, got ", a, " and ", b);
  MatmulDims d;
  const std::int64_t ka = a[a.dim() - 1], kb = b.dim() == 1 ? b[0] : b[b.dim() - 2];
  SOMA_CHECK(ka == kb, "matmul: shapes ", a, " and ", b, " do not match (inner sizes ", ka, " and ", kb, ")");
  d.K = ka;
  d.M = a.dim() >= 2 ? a[a.dim() - 2] : 1;
  d.N = b.dim() >= 2 ? b[b.dim() - 1] : 1;
  for (int i = 0; i + 2 < a.dim(); ++i) d.batch *= a[i];
  if (b.dim() >= 3) {
    SOMA_CHECK(a.dim() == b.dim(), "matmul: batched operands need the same rank, got ", a, " and ", b);
    for (int i = 0; i + 2 < a.dim(); ++i)
      SOMA_CHECK(a[i] == b[i], "matmul: batch sizes differ at axis ", i, ": ", a, " and ", b);
    d.b_batched = true;
  }
  for (int i = 0; i + 2 < a.dim(); ++i) d.out.push_back(a[i]);
  if (a.dim() >= 2) d.out.push_back(d.M);
  if (b.dim() >= 2) d.out.push_back(d.N);
  if (!d.b_batched) {  // fold the batch into M: one GEMM instead of many
    d.M *= d.batch;
    d.batch = 1;
  }
  return d;
}

// C[i] = op(A[i]) op(B[i]) for each batch entry; sizes are of the stored matrices' rows/cols.
template <class T>
void batched_gemm(std::int64_t batch, bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K,
                  const T* A, std::int64_t a_step, std::int64_t lda, const T* B, std::int64_t b_step,
                  std::int64_t ldb, T beta, T* C, std::int64_t c_step) {
  for (std::int64_t i = 0; i < batch; ++i)
    kernels::gemm<T>(ta, tb, M, N, K, T(1), A + i * a_step, lda, B + i * b_step, ldb, beta, C + i * c_step, N);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  ops_detail::check_binary(a, b, "matmul");
  const MatmulDims d = matmul_dims(a.shape(), b.shape());
  Tensor y(d.out, a.dtype());
  const std::int64_t b_step = d.b_batched ? d.K * d.N : 0;
  dispatch_floating(a.dtype(), "matmul", [&]<class T>() {
    batched_gemm<T>(d.batch, false, false, d.M, d.N, d.K, a.data<T>(), d.M * d.K, d.K, b.data<T>(), b_step, d.N,
                    T(0), y.data<T>(), d.M * d.N);
  });
  if (needs_grad(a, b))
    record(y, "matmul", {&a, &b}, [a, b, d, b_step](const Tensor& gy, Grads& g) {
      dispatch_floating(a.dtype(), "matmul", [&]<class T>() {
        if (g.needed(0)) {  // dA = dC B^T
          g[0] = Tensor(a.shape(), a.dtype());
          batched_gemm<T>(d.batch, false, true, d.M, d.K, d.N, gy.data<T>(), d.M * d.N, d.N, b.data<T>(), b_step,
                          d.N, T(0), g[0].data<T>(), d.M * d.K);
        }
        if (g.needed(1)) {  // dB = A^T dC (summed over the batch when B is shared)
          g[1] = Tensor(b.shape(), b.dtype());
          batched_gemm<T>(d.batch, true, false, d.K, d.N, d.M, a.data<T>(), d.M * d.K, d.K, gy.data<T>(),
                          d.M * d.N, d.N, T(0), g[1].data<T>(), b_step);
        }
      });
    });
  return y;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ops_detail::check_binary(x, weight, "linear");
  SOMA_CHECK(weight.dim() == 2, "linear: weight must be [out, in], got shape ", weight.shape());
  SOMA_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input of shape ", x.shape(), " has ",
             x.dim() ? x.size(-1) : 0, " features but the weight ", weight.shape(), " expects ", weight.size(1));
  const std::int64_t out = weight.size(0), in = weight.size(1), rows = x.numel() / std::max<std::int64_t>(in, 1);
  if (bias.defined()) {
    ops_detail::check_binary(x, bias, "linear");
    SOMA_CHECK(bias.dim() == 1 && bias.size(0) == out, "linear: bias must be [", out, "], got shape ", bias.shape());
  }
  Shape shape = x.shape();
  shape[shape.dim() - 1] = out;
  Tensor y(shape, x.dtype());
  dispatch_floating(x.dtype(), "linear", [&]<class T>() {
    T* py = y.data<T>();
    if (bias.defined()) kernels::fill_rows(bias.data<T>(), py, rows, out);  // the bias rows, then add x W^T
    kernels::gemm<T>(false, true, rows, out, in, T(1), x.data<T>(), in, weight.data<T>(), in,
                     bias.defined() ? T(1) : T(0), py, out);
  });
  const bool has_bias = bias.defined();
  if (has_bias ? needs_grad(x, weight, bias) : needs_grad(x, weight)) {
    // x and weight saved as they are (no cycle: their nodes never lead back to y's).
    auto backward = [x, w = weight, rows, in, out](const Tensor& gy, Grads& g) {
      dispatch_floating(x.dtype(), "linear", [&]<class T>() {
        const T* pg = gy.data<T>();
        if (g.needed(0)) {  // dx = gy W
          g[0] = Tensor(x.shape(), x.dtype());
          kernels::gemm<T>(false, false, rows, in, out, T(1), pg, out, w.data<T>(), in, T(0), g[0].data<T>(), in);
        }
        if (g.needed(1)) {  // dW = gy^T x
          g[1] = Tensor(w.shape(), w.dtype());
          kernels::gemm<T>(true, false, out, in, rows, T(1), pg, out, x.data<T>(), in, T(0), g[1].data<T>(), in);
        }
        if (g.size() > 2 && g.needed(2)) {  // db = sum over rows of gy
          g[2] = Tensor(Shape{out}, x.dtype());
          kernels::sum_rows(pg, g[2].data<T>(), rows, out);
        }
      });
    };
    if (has_bias) record(y, "linear", {&x, &weight, &bias}, std::move(backward));
    else record(y, "linear", {&x, &weight}, std::move(backward));
  }
  return y;
}

}  // namespace soma
