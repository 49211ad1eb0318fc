// gather: forward copies input[..., index[...], ...] into index's shape; backward scatter-adds
// the output's gradient back to the positions it came from (torch.gather / scatter_add_).
#include "soma/ops/gather.h"

#include <algorithm>
#include <vector>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// Calls visit(k, offset) for every position k of index (row-major) with the element offset in
// the input it picks: the index's own coordinates on every axis but `dim`, index[k] on `dim`.
template <class Visit>
void for_each_pick(const Shape& in_shape, const Tensor& index, int dim, Visit&& visit) {
  const int rank = int(in_shape.dim());
  std::vector<std::int64_t> in_stride(rank, 1), coord(rank, 0);
  for (int d = rank - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * in_shape[d + 1];
  const Shape& shape = index.shape();
  const std::int64_t* idx = index.data<std::int64_t>();
  std::int64_t base = 0;  // offset of the index's coordinates, without the `dim` term
  for (std::int64_t k = 0; k < index.numel(); ++k) {
    visit(k, base + idx[k] * in_stride[dim]);
    for (int d = rank - 1; d >= 0; --d) {  // advance the coordinates like an odometer
      if (d != dim) base += in_stride[d];
      if (++coord[d] < shape[d]) break;
      if (d != dim) base -= in_stride[d] * shape[d];
      coord[d] = 0;
    }
  }
}

}  // namespace

Tensor gather(const Tensor& input, int dim, const Tensor& index) {
  SOMA_CHECK(input.defined() && index.defined(), "gather: undefined input or index");
  const int rank = int(input.dim());
  SOMA_CHECK(rank >= 1, "gather: expects an input with at least one axis, got ", input.shape());
  SOMA_CHECK(dim >= -rank && dim < rank, "gather: dim ", dim, " is out of range for an input of ", rank, " axes ",
             input.shape());
  if (dim < 0) dim += rank;
  SOMA_CHECK(index.dtype() == DType::i64, "gather: index must be int64, got ", name_of(index.dtype()));
  SOMA_CHECK(index.dim() == input.dim(), "gather: index ", index.shape(), " must have as many axes as the input ",
             input.shape());
  for (int d = 0; d < rank; ++d)
    SOMA_CHECK(d == dim || index.size(d) <= input.size(d), "gather: index ", index.shape(),
               " is larger than the input ", input.shape(), " on axis ", d, " (only axis ", dim, " may differ)");
  const std::int64_t size = input.size(dim);
  const std::int64_t* idx = index.data<std::int64_t>();
  for (std::int64_t k = 0; k < index.numel(); ++k)
    SOMA_CHECK(idx[k] >= 0 && idx[k] < size, "gather: index ", idx[k], " at position ", k, " of index ",
               index.shape(), " is out of range for axis ", dim, " of size ", size, " (input ", input.shape(), ")");

  Tensor out(index.shape(), input.dtype());
  dispatch_all(input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    T* y = out.data<T>();
    for_each_pick(input.shape(), index, dim, [&](std::int64_t k, std::int64_t at) { y[k] = x[at]; });
  });
  if (needs_grad(input))
    record(out, "gather", {&input}, [shape = input.shape(), index = index.detach(), dim](const Tensor& gy, Grads& g) {
      g[0] = zeros(shape, gy.dtype());
      dispatch_floating(gy.dtype(), "gather", [&]<class T>() {
        const T* py = gy.data<T>();
        T* px = g[0].data<T>();
        for_each_pick(shape, index, dim, [&](std::int64_t k, std::int64_t at) { px[at] += py[k]; });
      });
    });
  return out;
}

}  // namespace soma
