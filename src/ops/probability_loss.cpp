// The classification losses on probabilities or log-probabilities, composed of differentiable
// ops (gather, log, clamp, sum): PyTorch's nll_loss and Keras' categorical cross-entropy.
// Being compositions, they differentiate a target that requires grad, as Keras and PyTorch do.
#include <cmath>

#include "ops/class_target.h"
#include "ops/elementwise.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/gather.h"
#include "soma/ops/loss.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma {

namespace {

// Keras' backend epsilon: probabilities are clipped to [eps, 1 - eps] before the log.
constexpr double kKerasEpsilon = 1e-7;

// -score[n, y_n] for each row: the picked entry of each row of log-probabilities.
Tensor picked(const Tensor& scores, const Tensor& labels) {
  return neg(reshape(gather(scores, 1, reshape(labels, {labels.size(0), 1})), {labels.size(0)}));
}

// Probabilities must not be negative (nor NaN); a negative entry means logits were passed.
// Scanned in place: the value is converted only for the message.
void check_probabilities(const Tensor& input) {
  const std::int64_t bad = ops_detail::first_bad(input, [](auto p) { return !(p >= 0); });
  if (bad < 0) return;
  detail::throw_error("categorical_crossentropy: input holds ", input.to(DType::f64).data<double>()[bad], " at row ",
                      bad / input.size(1), ", but with from_logits = false it takes probabilities (a softmax's ",
                      "output); for logits set from_logits = true");
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_class_target({.op = "nll_loss", .what = "log-probabilities", .soft_targets = false}, input, target);
  return ops_detail::reduce_loss(picked(input, target), reduction);
}

Tensor categorical_crossentropy(const Tensor& input, const Tensor& target, bool from_logits, Reduction reduction) {
  check_class_target({.op = "categorical_crossentropy", .what = from_logits ? "logits" : "probabilities"}, input,
                     target);
  if (from_logits) return cross_entropy(input, target, reduction);
  check_probabilities(input);
  // Keras: p = clip(x / sum_c x, eps, 1 - eps), loss = -sum_c t_c log p_c.
  const Tensor log_p = log(clamp(input / sum(input, 1, true), kKerasEpsilon, 1 - kKerasEpsilon));
  const Tensor row_loss = target.dtype() == DType::i64 ? picked(log_p, target) : neg(sum(target * log_p, 1));
  return ops_detail::reduce_loss(row_loss, reduction);
}

}  // namespace soma
