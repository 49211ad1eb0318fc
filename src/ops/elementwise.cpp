// Shared checks and the broadcast-gradient reduction for elementwise ops.
#include "ops/elementwise.h"

namespace soma::ops_detail {

void check_binary(const Tensor& a, const Tensor& b, const char* op) {
  SOMA_CHECK(a.defined() && b.defined(), op, ": an input is undefined");
  SOMA_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ (", name_of(a.dtype()), " with shape ", a.shape(),
             " and ", name_of(b.dtype()), " with shape ", b.shape(), ")");
}

Tensor reduce_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  Tensor out(shape, g.dtype());
  dispatch_floating(g.dtype(), "backward", [&]<class T>() {
    kernels::sum_to(g.data<T>(), g.shape(), out.data<T>(), shape);
  });
  return out;
}

}  // namespace soma::ops_detail
