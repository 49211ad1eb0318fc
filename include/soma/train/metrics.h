// Classification metrics computed from a model's outputs: accuracy, top-k accuracy, binary
// accuracy and the confusion matrix. Plain counting outside any graph (no gradients); the
// Trainer uses the counting forms to accumulate exact per-epoch values over batches.
#pragma once

#include <cstdint>
#include <utility>

#include "soma/core/tensor.h"

namespace soma::train {

/// Number of rows of `scores` [N, C] whose first largest score is at `labels` [N] (int64).
/// A row holding a NaN counts as wrong. Throws soma::Error naming both shapes when they do not
/// fit, when labels are not int64, or naming the label when one lies outside [0, C).
std::int64_t count_correct(const Tensor& scores, const Tensor& labels);

/// Fraction of rows of `scores` [N, C] (logits or probabilities) whose argmax is the int64
/// label [N]: Keras' sparse categorical accuracy. 0 for N = 0. Throws as count_correct.
///   train::accuracy(net(x), y)   // y int64 [N]
double accuracy(const Tensor& scores, const Tensor& labels);

/// Token accuracy of a sequence model: scores [N, T, C] against int64 labels [N, T]. Returns
/// {right, counted}; steps whose label is negative (padding marked by an ignore_index such as
/// PyTorch's -100) are not counted, all others are. Throws soma::Error naming both shapes when
/// they do not fit, or naming the label and its position when one is >= C.
std::pair<std::int64_t, std::int64_t> count_token_correct(const Tensor& scores, const Tensor& labels);

/// Number of rows where the label is among the k highest scores. Ties at the boundary count
/// in the label's favour, as tf.math.in_top_k: the row is right when fewer than k classes
/// score strictly higher than the label. Throws as count_correct, and unless 1 <= k.
std::int64_t count_top_k_correct(const Tensor& scores, const Tensor& labels, std::int64_t k);

/// Fraction of rows where the label is among the k highest scores (see count_top_k_correct);
/// k >= C gives 1. 0 for N = 0.
double top_k_accuracy(const Tensor& scores, const Tensor& labels, std::int64_t k = 5);

/// Number of elements where the prediction, thresholded (> threshold is class 1), equals the
/// target (1 when > 0.5). Prediction and target: one shape, floating. Use threshold 0.5 for
/// probabilities and 0 for logits. Throws soma::Error naming the shapes when they differ.
std::int64_t count_binary_correct(const Tensor& prediction, const Tensor& target, double threshold = 0.5);
/// count_binary_correct divided by the number of elements (0 for none): Keras' binary accuracy.
double binary_accuracy(const Tensor& prediction, const Tensor& target, double threshold = 0.5);

/// Confusion matrix, int64 [C, C]: entry (i, j) counts examples of true class i predicted as
/// class j (rows: truth, columns: prediction, as scikit-learn). `predictions` is either scores
/// [N, C] (float; the argmax is the prediction) or int64 class indices [N]; `labels` int64 [N].
/// `num_classes` 0 means C for scores, else 1 + the largest index seen. Throws soma::Error for
/// mismatched shapes and naming the index when one lies outside [0, num_classes).
///   train::confusion_matrix(net(x_test), y_test)   // [10, 10]
Tensor confusion_matrix(const Tensor& predictions, const Tensor& labels, std::int64_t num_classes = 0);

}  // namespace soma::train
