// The checks shared by the classification losses.
#include "ops/class_target.h"

namespace soma {

void check_class_target(const ClassScores& loss, const Tensor& input, const Tensor& target) {
  const char* op = loss.op;
  SOMA_CHECK(input.defined() && target.defined(), op, ": an input is undefined");
  SOMA_CHECK(is_floating(input.dtype()), op, ": input must be float32 or float64 ", loss.what, ", got ",
             name_of(input.dtype()), " with shape ", input.shape());
  SOMA_CHECK(input.dim() == 2, op, ": input must be 2-D ", loss.what, " [N, C], got shape ", input.shape(),
             " (flatten extra axes first; a single sample is [1, C])");
  const std::int64_t N = input.size(0), C = input.size(1);
  SOMA_CHECK(C > 0, op, ": input shape ", input.shape(), " has no classes (C = 0)");
  const bool labels_ok = target.dtype() == DType::i64 && target.dim() == 1 && target.size(0) == N;
  const bool probs_ok = loss.soft_targets && target.dtype() == input.dtype() && target.shape() == input.shape();
  if (!loss.soft_targets)
    SOMA_CHECK(labels_ok, op, ": for input shape ", input.shape(), " the target must be int64 class indices of shape [",
               N, "], got shape ", target.shape(), " (", name_of(target.dtype()), ")");
  SOMA_CHECK(labels_ok || probs_ok, op, ": for input shape ", input.shape(), " (", name_of(input.dtype()),
             ") the target must be int64 class indices of shape [", N, "] or ", name_of(input.dtype()),
             " probabilities of shape ", input.shape(), ", got shape ", target.shape(), " (", name_of(target.dtype()),
             ")");
  if (labels_ok) {
    // Serial, before any parallel loop: an exception must not leave an OpenMP region.
    const std::int64_t* y = target.data<std::int64_t>();
    for (std::int64_t n = 0; n < N; ++n)
      SOMA_CHECK(y[n] >= 0 && y[n] < C, op, ": label ", y[n], " at row ", n,
                 " is out of range: labels must be in [0, C) with C = ", C, " (input shape ", input.shape(), ")");
  }
}

}  // namespace soma
