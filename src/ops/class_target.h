// The checks shared by the classification losses (cross_entropy, nll_loss,
// categorical_crossentropy): a 2-D float input [N, C] of scores and a target of int64 class
// indices [N] or, where the loss takes them, probabilities [N, C] of the input's dtype.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

struct ClassScores {
  const char* op;            ///< the loss, named in every message
  const char* what;          ///< what the input holds: "logits", "log-probabilities", ...
  bool soft_targets = true;  ///< whether probabilities [N, C] are a valid target
};

/// Throws soma::Error naming the loss, both shapes and dtypes for any mismatch, and the label,
/// its row and C for a class index outside [0, C).
void check_class_target(const ClassScores& loss, const Tensor& input, const Tensor& target);

}  // namespace soma
