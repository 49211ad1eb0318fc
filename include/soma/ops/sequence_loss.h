// Cross-entropy over sequences: logits [N, T, V] against targets [N, T], with padding left
// out by a mask or an ignore_index (PyTorch's F.cross_entropy(logits.reshape(-1, V),
// targets.reshape(-1), ignore_index=...) with the mask as per-token weights).
#pragma once

#include <optional>

#include "soma/core/tensor.h"
#include "soma/ops/loss.h"

namespace soma {

struct SequenceLossOptions {
  /// mean: the sum over counted tokens divided by their number (mask sum); sum: the sum over
  /// all steps and sequences; none: [N, T] per-token losses, zero where masked.
  Reduction reduction = Reduction::mean;
  /// [N, T] weights of the logits' dtype (1 = count, 0 = padding); undefined counts every token.
  Tensor mask = Tensor();
  /// Targets equal to this count as padding (PyTorch's ignore_index, e.g. -100).
  std::optional<std::int64_t> ignore_index = std::nullopt;
};

/// Softmax cross-entropy at every step of every sequence; differentiable in `logits`.
/// targets int64 [N, T] in [0, V) (or ignore_index). With everything masked, mean gives NaN,
/// as PyTorch. Throws soma::Error naming the shapes when logits is not [N, T, V], targets not
/// [N, T] or the mask not [N, T], and naming a target outside [0, V).
///   Tensor loss = sequence_cross_entropy(model(x), y, {.ignore_index = 0});
Tensor sequence_cross_entropy(const Tensor& logits, const Tensor& targets, const SequenceLossOptions& options = {});

}  // namespace soma
