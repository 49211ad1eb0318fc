// local_response_norm: checks, then forward and backward side by side; the loops live in
// kernels/local_response_norm.cpp. Backward keeps x and the bracket k + alpha/size * sum x^2
// (the "scale"): the output alone cannot give x back where the scale is shared.
#include "soma/ops/local_response_norm.h"

#include <cmath>

#include "kernels/local_response_norm.h"
#include "soma/autograd/function.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

Tensor local_response_norm(const Tensor& x, std::int64_t size, double alpha, double beta, double k) {
  constexpr const char* op = "local_response_norm";
  SOMA_CHECK(x.defined(), op, ": the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() >= 3, op, ": expected an input [N, C, ...] of rank 3 or more (as PyTorch), got shape ",
             x.shape());
  SOMA_CHECK(size >= 1, op, ": size must be at least 1, got ", size);
  SOMA_CHECK(std::isfinite(alpha) && std::isfinite(beta) && std::isfinite(k), op,
             ": alpha, beta and k must be finite, got ", alpha, ", ", beta, ", ", k);
  SOMA_CHECK(k > 0 || (alpha >= 0 && k >= 0 && beta == std::floor(beta)), op,
             ": k must be > 0 (the bracket k + alpha/size * sum x^2 is raised to -beta), got k ", k);
  kernels::LrnGeometry g;
  g.N = x.size(0);
  g.C = x.size(1);
  g.S = g.N * g.C == 0 ? 0 : x.numel() / (g.N * g.C);
  g.size = size;
  g.alpha = alpha;
  g.beta = beta;
  g.k = k;
  Tensor y(x.shape(), x.dtype()), scale(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    kernels::local_response_norm_forward<T>(x.data<T>(), g, y.data<T>(), scale.data<T>());
  });
  if (needs_grad(x))
    record(y, op, {&x}, [g, xs = x.detach(), scale](const Tensor& gy, Grads& grads) {
      grads[0] = Tensor(xs.shape(), xs.dtype());
      dispatch_floating(xs.dtype(), "local_response_norm", [&]<class T>() {
        kernels::local_response_norm_backward<T>(gy.data<T>(), xs.data<T>(), scale.data<T>(), g, grads[0].data<T>());
      });
    });
  return y;
}

}  // namespace soma
