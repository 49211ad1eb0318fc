// Metrics: loops over rows of [N, C] scores in their own dtype. Nothing here records a graph
// or allocates beyond the result, so the Trainer can call it after every batch.
#include "soma/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "soma/core/factory.h"

namespace soma::train {

namespace {

void check_scores_labels(const Tensor& scores, const Tensor& labels, const char* op) {
  SOMA_CHECK(scores.defined() && labels.defined(), op, ": undefined tensor");
  SOMA_CHECK(scores.dim() == 2 && is_floating(scores.dtype()), op,
             ": expected float scores [N, C], got ", name_of(scores.dtype()), " ", scores.shape());
  SOMA_CHECK(labels.dtype() == DType::i64 && labels.dim() == 1 && labels.size(0) == scores.size(0), op,
             ": expected int64 labels [", scores.size(0), "] for scores ", scores.shape(), ", got ",
             name_of(labels.dtype()), " ", labels.shape());
}

std::int64_t checked_label(const std::int64_t* labels, std::int64_t i, std::int64_t classes, const char* op) {
  const std::int64_t label = labels[i];
  SOMA_CHECK(label >= 0 && label < classes, op, ": label ", label, " of example ", i, " is outside [0, ", classes,
             ")");
  return label;
}

// Index of the first largest element of a row; -1 when the row holds a NaN (counts as wrong).
template <class T>
std::int64_t row_argmax(const T* row, std::int64_t c) {
  std::int64_t best = 0;
  for (std::int64_t j = 0; j < c; ++j) {
    if (std::isnan(row[j])) return -1;
    if (row[j] > row[best]) best = j;
  }
  return best;
}

}  // namespace

std::int64_t count_correct(const Tensor& scores, const Tensor& labels) {
  check_scores_labels(scores, labels, "accuracy");
  const std::int64_t n = scores.size(0), c = scores.size(1);
  const std::int64_t* y = labels.data<std::int64_t>();
  return dispatch_floating(scores.dtype(), "accuracy", [&]<class T>() {
    const T* s = scores.data<T>();
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t label = checked_label(y, i, c, "accuracy");
      correct += c > 0 && row_argmax(s + i * c, c) == label;
    }
    return correct;
  });
}

std::pair<std::int64_t, std::int64_t> count_token_correct(const Tensor& scores, const Tensor& labels) {
  SOMA_CHECK(scores.defined() && labels.defined(), "token accuracy: undefined tensor");
  SOMA_CHECK(scores.dim() == 3 && is_floating(scores.dtype()), "token accuracy: expected float scores [N, T, C], got ",
             name_of(scores.dtype()), " ", scores.shape());
  SOMA_CHECK(labels.dtype() == DType::i64 && labels.dim() == 2 && labels.size(0) == scores.size(0) &&
                 labels.size(1) == scores.size(1),
             "token accuracy: expected int64 labels [", scores.size(0), ", ", scores.size(1), "] for scores ",
             scores.shape(), ", got ", name_of(labels.dtype()), " ", labels.shape());
  const std::int64_t tokens = scores.size(0) * scores.size(1), c = scores.size(2), steps = scores.size(1);
  const std::int64_t* y = labels.data<std::int64_t>();
  return dispatch_floating(scores.dtype(), "token accuracy", [&]<class T>() {
    const T* s = scores.data<T>();
    std::pair<std::int64_t, std::int64_t> result{0, 0};
    for (std::int64_t i = 0; i < tokens; ++i) {
      if (y[i] < 0) continue;  // padding
      SOMA_CHECK(y[i] < c, "token accuracy: label ", y[i], " of sequence ", i / steps, " step ", i % steps,
                 " is outside [0, ", c, ")");
      result.first += row_argmax(s + i * c, c) == y[i];
      ++result.second;
    }
    return result;
  });
}

double accuracy(const Tensor& scores, const Tensor& labels) {
  const std::int64_t correct = count_correct(scores, labels);
  return scores.size(0) == 0 ? 0.0 : double(correct) / double(scores.size(0));
}

std::int64_t count_top_k_correct(const Tensor& scores, const Tensor& labels, std::int64_t k) {
  check_scores_labels(scores, labels, "top_k_accuracy");
  SOMA_CHECK(k >= 1, "top_k_accuracy: k must be >= 1, got ", k);
  const std::int64_t n = scores.size(0), c = scores.size(1);
  const std::int64_t* y = labels.data<std::int64_t>();
  return dispatch_floating(scores.dtype(), "top_k_accuracy", [&]<class T>() {
    const T* s = scores.data<T>();
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t label = checked_label(y, i, c, "top_k_accuracy");
      const T* row = s + i * c;
      const T target = row[label];
      if (std::isnan(target)) continue;
      std::int64_t higher = 0;  // NaN compares false, so a NaN elsewhere does not count as higher
      for (std::int64_t j = 0; j < c; ++j) higher += row[j] > target;
      correct += higher < k;
    }
    return correct;
  });
}

double top_k_accuracy(const Tensor& scores, const Tensor& labels, std::int64_t k) {
  const std::int64_t correct = count_top_k_correct(scores, labels, k);
  return scores.size(0) == 0 ? 0.0 : double(correct) / double(scores.size(0));
}

std::int64_t count_binary_correct(const Tensor& prediction, const Tensor& target, double threshold) {
  SOMA_CHECK(prediction.defined() && target.defined(), "binary_accuracy: undefined tensor");
  SOMA_CHECK(prediction.shape() == target.shape() && is_floating(prediction.dtype()) &&
                 prediction.dtype() == target.dtype(),
             "binary_accuracy: expected floating prediction and target of one shape and dtype, got ",
             name_of(prediction.dtype()), " ", prediction.shape(), " and ", name_of(target.dtype()), " ",
             target.shape());
  return dispatch_floating(prediction.dtype(), "binary_accuracy", [&]<class T>() {
    const T* p = prediction.data<T>();
    const T* t = target.data<T>();
    std::int64_t correct = 0;
    for (std::int64_t i = 0, n = prediction.numel(); i < n; ++i)
      correct += (double(p[i]) > threshold) == (double(t[i]) > 0.5);
    return correct;
  });
}

double binary_accuracy(const Tensor& prediction, const Tensor& target, double threshold) {
  const std::int64_t correct = count_binary_correct(prediction, target, threshold);
  return prediction.numel() == 0 ? 0.0 : double(correct) / double(prediction.numel());
}

Tensor confusion_matrix(const Tensor& predictions, const Tensor& labels, std::int64_t num_classes) {
  SOMA_CHECK(predictions.defined() && labels.defined(), "confusion_matrix: undefined tensor");
  SOMA_CHECK(labels.dtype() == DType::i64 && labels.dim() == 1, "confusion_matrix: expected int64 labels [N], got ",
             name_of(labels.dtype()), " ", labels.shape());
  const std::int64_t n = labels.size(0);
  SOMA_CHECK(num_classes >= 0, "confusion_matrix: num_classes must be >= 0, got ", num_classes);
  // Predicted class of every example, from indices or from the argmax of scores.
  std::vector<std::int64_t> predicted(n);
  if (predictions.dtype() == DType::i64) {
    SOMA_CHECK(predictions.dim() == 1 && predictions.size(0) == n, "confusion_matrix: predicted indices ",
               predictions.shape(), " do not match labels ", labels.shape());
    const std::int64_t* p = predictions.data<std::int64_t>();
    predicted.assign(p, p + n);
  } else {
    SOMA_CHECK(predictions.dim() == 2 && predictions.size(0) == n, "confusion_matrix: scores ", predictions.shape(),
               " do not match labels ", labels.shape(), " (expected [N, C] with N = ", n, ")");
    const std::int64_t c = predictions.size(1);
    if (num_classes == 0) num_classes = c;
    dispatch_floating(predictions.dtype(), "confusion_matrix", [&]<class T>() {
      const T* s = predictions.data<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t j = row_argmax(s + i * c, c);
        SOMA_CHECK(j >= 0, "confusion_matrix: the scores of example ", i, " hold a NaN");
        predicted[i] = j;
      }
    });
  }
  const std::int64_t* y = labels.data<std::int64_t>();
  if (num_classes == 0)
    for (std::int64_t i = 0; i < n; ++i) num_classes = std::max({num_classes, y[i] + 1, predicted[i] + 1});
  Tensor matrix = zeros({num_classes, num_classes}, DType::i64);
  std::int64_t* m = matrix.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    SOMA_CHECK(y[i] >= 0 && y[i] < num_classes, "confusion_matrix: label ", y[i], " of example ", i,
               " is outside [0, ", num_classes, ")");
    SOMA_CHECK(predicted[i] >= 0 && predicted[i] < num_classes, "confusion_matrix: prediction ", predicted[i],
               " of example ", i, " is outside [0, ", num_classes, ")");
    ++m[y[i] * num_classes + predicted[i]];
  }
  return matrix;
}

}  // namespace soma::train
