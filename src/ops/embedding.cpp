// embedding: a gather of rows forward, a scatter-add of rows backward (repeated indices add).
#include "soma/ops/embedding.h"

#include <algorithm>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx) {
  SOMA_CHECK(indices.defined() && weight.defined(), "embedding: undefined indices or weight");
  SOMA_CHECK(indices.dtype() == DType::i64, "embedding: indices must be int64, got ", name_of(indices.dtype()));
  SOMA_CHECK(weight.dim() == 2 && is_floating(weight.dtype()),
             "embedding: weight must be a float32 or float64 [num_embeddings, dim] table, got ",
             name_of(weight.dtype()), " ", weight.shape());
  const std::int64_t V = weight.size(0), D = weight.size(1), K = indices.numel();
  std::int64_t pad = -1;
  if (padding_idx) {
    SOMA_CHECK(*padding_idx >= -V && *padding_idx < V, "embedding: padding_idx ", *padding_idx,
               " is outside [-", V, ", ", V, ") for ", V, " embeddings");
    pad = *padding_idx < 0 ? *padding_idx + V : *padding_idx;
  }
  const std::int64_t* idx = indices.data<std::int64_t>();
  for (std::int64_t k = 0; k < K; ++k)
    SOMA_CHECK(idx[k] >= 0 && idx[k] < V, "embedding: index ", idx[k], " is outside [0, ", V, ") (", V,
               " embeddings) at position ", k, " of indices ", indices.shape());
  Shape shape = indices.shape();
  shape.push_back(D);
  Tensor y(shape, weight.dtype());
  const std::size_t row_bytes = D * size_of(weight.dtype());
  const char* src = static_cast<const char*>(weight.raw_data());
  char* dst = static_cast<char*>(y.raw_data());
  for (std::int64_t k = 0; k < K; ++k) std::copy_n(src + idx[k] * row_bytes, row_bytes, dst + k * row_bytes);
  if (needs_grad(weight))
    record(y, "embedding", {&weight}, [indices = indices.detach(), V, D, pad](const Tensor& gy, Grads& g) {
      g[0] = zeros(Shape{V, D}, gy.dtype());
      dispatch_floating(gy.dtype(), "embedding", [&]<class T>() {
        const std::int64_t* idx = indices.data<std::int64_t>();
        const T* pg = gy.data<T>();
        T* pw = g[0].data<T>();
        for (std::int64_t k = 0; k < indices.numel(); ++k) {
          if (idx[k] == pad) continue;  // the padding row stays fixed
          for (std::int64_t j = 0; j < D; ++j) pw[idx[k] * D + j] += pg[k * D + j];
        }
      });
    });
  return y;
}

}  // namespace soma
