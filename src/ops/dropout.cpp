// Dropout: the mask is drawn serially from the Generator (so it depends only on the seed,
// never on the thread count) and stored already scaled, m = keep / (1 - p); forward is
// y = x * m and backward gx = gy * m, so backward keeps only m (Srivastava et al. 2014, with
// the inverted scaling that makes evaluation the identity).
#include "soma/ops/dropout.h"

#include "ops/elementwise.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

namespace {

// y = x * m, and gx = gy * m; m never receives a gradient.
Tensor apply_mask(const Tensor& x, const Tensor& m, const char* op) {
  Tensor y = map_same(x, m, [](auto v, auto k) { return v * k; });
  if (needs_grad(x))
    record(y, op, {&x}, [m = m.detach()](const Tensor& gy, Grads& g) {
      g[0] = map_same(gy, m, [](auto gv, auto k) { return gv * k; });
    });
  return y;
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  SOMA_CHECK(x.defined(), "dropout: the input is undefined");
  SOMA_CHECK(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got ", p);
  SOMA_CHECK(is_floating(x.dtype()), "dropout: expected a float32 or float64 tensor, got ", name_of(x.dtype()));
  if (!training || p == 0) return x;
  // p == 1 drops everything (no draws): a zero mask rather than a scale of 1/0, so the output
  // and the gradient are zeros, as in PyTorch.
  if (p == 1) return apply_mask(x, zeros_like(x), "dropout");
  Tensor m(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "dropout", [&]<class T>() {
    T* pm = m.data<T>();
    const T kept = T(1.0 / (1.0 - p));
    // NOTE: serial on purpose. A parallel draw would make the mask depend on the thread count.
    // Kept when u >= p, u uniform in [0, 1): probability 1 - p.
    for (std::int64_t i = 0; i < m.numel(); ++i) pm[i] = gen.uniform() >= p ? kept : T(0);
  });
  return apply_mask(x, m, "dropout");
}

Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double scale) {
  SOMA_CHECK(x.defined() && mask.defined(), "dropout_with_mask: an input is undefined");
  check_binary(x, mask, "dropout_with_mask");
  SOMA_CHECK(x.shape() == mask.shape(), "dropout_with_mask: the mask must have the input's shape ", x.shape(),
             ", got ", mask.shape());
  const Tensor m = map_unary(mask, "dropout_with_mask", [scale](auto k) { return k * decltype(k)(scale); });
  return apply_mask(x, m, "dropout_with_mask");
}

}  // namespace soma
