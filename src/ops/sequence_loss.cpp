// sequence_cross_entropy: cross_entropy's fused node on [N*T, V] rows, then per-token weights
// (mask, ignore_index) and the reduction, composed from differentiable ops.
#include "soma/ops/sequence_loss.h"

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma {

Tensor sequence_cross_entropy(const Tensor& logits, const Tensor& targets, const SequenceLossOptions& options) {
  SOMA_CHECK(logits.defined() && logits.dim() == 3, "sequence_cross_entropy: logits must be [N, T, V], got shape ",
             logits.defined() ? logits.shape() : Shape{});
  SOMA_CHECK(is_floating(logits.dtype()), "sequence_cross_entropy: logits must be float32 or float64, got ",
             name_of(logits.dtype()));
  const std::int64_t N = logits.size(0), T = logits.size(1), V = logits.size(2);
  SOMA_CHECK(targets.defined() && targets.dtype() == DType::i64 && targets.shape() == (Shape{N, T}),
             "sequence_cross_entropy: targets must be int64 [N, T] = ", Shape{N, T}, " for logits ", logits.shape(),
             ", got ", targets.defined() ? name_of(targets.dtype()) : "undefined", " ",
             targets.defined() ? targets.shape() : Shape{});
  const Tensor& mask = options.mask;
  if (mask.defined())
    SOMA_CHECK(mask.shape() == (Shape{N, T}) && mask.dtype() == logits.dtype(), "sequence_cross_entropy: mask must be ",
               name_of(logits.dtype()), " [N, T] = ", Shape{N, T}, ", got ", name_of(mask.dtype()), " ", mask.shape());

  // Ignored targets become class 0 (any valid class) with weight 0.
  Tensor classes(Shape{N * T}, DType::i64);
  Tensor weights = mask.defined() ? reshape(mask, Shape{N * T}).copy() : ones(Shape{N * T}, logits.dtype());
  const std::int64_t* t = targets.data<std::int64_t>();
  std::int64_t* c = classes.data<std::int64_t>();
  bool any_ignored = false;
  for (std::int64_t i = 0; i < N * T; ++i) {
    if (options.ignore_index && t[i] == *options.ignore_index) {
      c[i] = 0;
      weights.set({i}, 0.0);
      any_ignored = true;
      continue;
    }
    SOMA_CHECK(t[i] >= 0 && t[i] < V, "sequence_cross_entropy: target ", t[i], " at sequence ", i / T, ", step ",
               i % T, " is outside [0, ", V, ")");
    c[i] = t[i];
  }
  Tensor per_token = cross_entropy(reshape(logits, Shape{N * T, V}), classes, Reduction::none);
  if (mask.defined() || any_ignored) per_token = per_token * weights;
  switch (options.reduction) {
    case Reduction::none: return reshape(per_token, Shape{N, T});
    case Reduction::sum: return sum(per_token);
    default: return sum(per_token) / sum(weights).item();
  }
}

}  // namespace soma
