// Embedding lookup: rows of a weight table selected by integer indices, differentiable in the
// table (the gradient of a row is the sum over the positions that picked it).
#pragma once

#include <optional>

#include "soma/core/tensor.h"

namespace soma {

/// F.embedding(indices, weight, padding_idx): indices int64 of any shape [*], each in
/// [0, V); weight [V, D] -> [*, D]. The row `padding_idx` (negative counts from the end, as
/// in PyTorch) receives no gradient. Throws soma::Error naming the bad index and V, for
/// non-int64 indices, a weight that is not 2-D floating, and a padding_idx outside [-V, V).
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx = std::nullopt);

}  // namespace soma
