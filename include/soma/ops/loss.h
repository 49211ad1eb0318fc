// Loss functions with PyTorch's semantics and reductions, differentiable in `input` and, for
// the elementwise losses, in a `target` that requires grad (as PyTorch; cross_entropy's class
// indices or probabilities get none). Every loss checks that input and target match and
// names both shapes otherwise. Elementwise losses need input and target of one shape and one
// floating dtype (no broadcasting) and throw soma::Error otherwise.
#pragma once

#include "soma/core/tensor.h"

namespace soma {

/// How elementwise losses are combined: averaged (PyTorch's default), summed, or kept.
enum class Reduction { mean, sum, none };

/// (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// |input - target| (MAE).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// -(t log p + (1 - t) log(1 - p)) on probabilities p in [0, 1]; each log is clamped at -100
/// as in PyTorch, so p = 0 or 1 gives a finite loss. The gradient is PyTorch's
/// (p - t) / max(p (1 - p), 1e-12). Throws when an input element lies outside [0, 1] (or is NaN).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// BCE on logits x, computed stably as max(x, 0) - x t + log(1 + e^-|x|) (finite for any x).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::mean);
/// Softmax cross-entropy from logits [N, C]. `target` is either int64 class indices [N]
/// (each in [0, C)) or float probabilities [N, C] of the input's dtype. Fused and stable for
/// logits of ±1000. Mean divides by N; none gives [N]. Throws soma::Error when input is not
/// 2-D, when the target fits neither form, and naming the label and C for a label outside
/// [0, C). Unlike PyTorch there is no ignore_index: -100 is an error, not a skipped row, and
/// probabilities that require grad are refused (PyTorch would differentiate them).
/// Example: cross_entropy(logits, tensor({2, 0}, DType::i64)) for logits of shape [2, C >= 3].
Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// PyTorch's nll_loss: -input[n, y_n] for log-probabilities input [N, C] (a LogSoftmax's
/// output) and int64 class indices y [N] in [0, C); mean divides by N. cross_entropy(x, y)
/// equals nll_loss(log_softmax(x, 1), y). Throws soma::Error as cross_entropy does for shapes
/// and labels. No class weights or ignore_index.
Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// Keras' categorical cross-entropy. With from_logits = false (Keras' default) `input` holds
/// probabilities [N, C] (a softmax's output): each row is divided by its sum, clipped to
/// [1e-7, 1 - 1e-7] and the loss is -sum_c t_c log p_c. With from_logits = true it is
/// cross_entropy on logits. `target` is probabilities or one-hot rows [N, C] (Keras'
/// categorical_crossentropy) or int64 class indices [N] (its sparse_categorical_crossentropy).
/// Throws soma::Error for the shapes cross_entropy refuses and, without from_logits, for a
/// negative input (logits passed as probabilities: the message says to set from_logits).
Tensor categorical_crossentropy(const Tensor& input, const Tensor& target, bool from_logits = false,
                                Reduction reduction = Reduction::mean);
/// max(0, margin - t x) for targets t in {-1, 1} (the SVM hinge). Throws when a target is
/// neither -1 nor 1 (a {0, 1} target would silently never learn).
Tensor hinge_loss(const Tensor& input, const Tensor& target, double margin = 1,
                  Reduction reduction = Reduction::mean);
/// Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target.
/// Throws unless delta > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, double delta = 1,
                  Reduction reduction = Reduction::mean);
/// Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (= huber / beta).
/// beta = 0 is l1_loss; throws for beta < 0.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, double beta = 1,
                      Reduction reduction = Reduction::mean);

}  // namespace soma
