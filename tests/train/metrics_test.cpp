// Metrics (train/metrics.h) against values counted by hand: accuracy with ties and NaN,
// top-k with ties at the boundary, binary accuracy, and the confusion matrix.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/soma.h"

namespace soma {
namespace {

TEST(TrainMetrics, AccuracyCountsArgmaxHits) {
  const Tensor scores = tensor({{0.1, 0.7, 0.2},    // 1
                                {2.0, -1.0, 0.0},   // 0
                                {0.3, 0.3, 0.1},    // tie -> first, 0
                                {0.0, 0.1, 5.0}});  // 2
  const Tensor labels = tensor({1, 1, 0, 2}, DType::i64);
  EXPECT_EQ(train::count_correct(scores, labels), 3);
  EXPECT_DOUBLE_EQ(train::accuracy(scores, labels), 0.75);
  EXPECT_DOUBLE_EQ(train::accuracy(scores.to(DType::f64), labels), 0.75);
}

TEST(TrainMetrics, ANanRowIsWrong) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor scores = tensor({{nan, 1.0}, {0.0, 1.0}});
  EXPECT_EQ(train::count_correct(scores, tensor({1, 1}, DType::i64)), 1);
}

TEST(TrainMetrics, AccuracyChecksShapesAndLabels) {
  const Tensor scores = zeros({2, 3});
  EXPECT_TRUE(test::throws_error_with([&] { train::accuracy(scores, tensor({0, 1, 2}, DType::i64)); }, {"[2, 3]", "[3]"}));
  EXPECT_TRUE(test::throws_error_with([&] { train::accuracy(scores, tensor({0, 1})); }, {"int64", "float32"}));
  EXPECT_TRUE(test::throws_error_with([&] { train::accuracy(scores, tensor({0, 3}, DType::i64)); }, {"label 3", "[0, 3)"}));
  EXPECT_DOUBLE_EQ(train::accuracy(zeros({0, 3}), zeros({0}, DType::i64)), 0.0);
}

TEST(TrainMetrics, TokenAccuracySkipsNegativeLabels) {
  // 2 sequences x 3 steps x 2 classes; argmaxes 0 1 1 / 1 0 0.
  const Tensor scores = reshape(tensor({0.9, 0.1, 0.2, 0.8, 0.4, 0.6,  //
                                        0.0, 1.0, 3.0, 2.0, 0.5, 0.5}),
                                {2, 3, 2});
  const Tensor labels = reshape(tensor({0, 0, 1, 1, -100, 1}, DType::i64), {2, 3});
  EXPECT_EQ(train::count_token_correct(scores, labels), (std::pair<std::int64_t, std::int64_t>{3, 5}));
  EXPECT_EQ(train::count_token_correct(scores.to(DType::f64), labels), (std::pair<std::int64_t, std::int64_t>{3, 5}));
  EXPECT_TRUE(test::throws_error_with([&] { train::count_token_correct(scores, zeros({2, 2}, DType::i64)); },
                                      {"[2, 3]", "[2, 2]"}));
  EXPECT_TRUE(test::throws_error_with(
      [&] { train::count_token_correct(scores, reshape(tensor({0, 0, 1, 1, 2, 1}, DType::i64), {2, 3})); },
      {"label 2", "sequence 1 step 1", "[0, 2)"}));
}

TEST(TrainMetrics, TopKAccuracy) {
  const Tensor scores = tensor({{0.1, 0.5, 0.3, 0.1},    // label 2 is 2nd
                                {0.4, 0.3, 0.2, 0.1},    // label 3 is 4th
                                {0.2, 0.2, 0.2, 0.4}});  // label 0 ties with 1 and 2 for 2nd
  const Tensor labels = tensor({2, 3, 0}, DType::i64);
  EXPECT_EQ(train::count_top_k_correct(scores, labels, 1), 0);
  EXPECT_EQ(train::count_top_k_correct(scores, labels, 2), 2);  // the tie counts for the label
  EXPECT_EQ(train::count_top_k_correct(scores, labels, 3), 2);
  EXPECT_DOUBLE_EQ(train::top_k_accuracy(scores, labels, 4), 1.0);
  EXPECT_DOUBLE_EQ(train::top_k_accuracy(scores, labels, 10), 1.0);
  EXPECT_DOUBLE_EQ(train::top_k_accuracy(scores, labels, 2), 2.0 / 3);
  EXPECT_TRUE(test::throws_error_with([&] { train::top_k_accuracy(scores, labels, 0); }, {"k", "0"}));
}

TEST(TrainMetrics, BinaryAccuracy) {
  const Tensor probs = tensor({0.9, 0.2, 0.6, 0.4});
  const Tensor target = tensor({1, 0, 0, 1});
  EXPECT_EQ(train::count_binary_correct(probs, target), 2);
  EXPECT_DOUBLE_EQ(train::binary_accuracy(probs, target), 0.5);
  const Tensor logits = tensor({2.0, -1.0, 0.5, 0.1});
  EXPECT_DOUBLE_EQ(train::binary_accuracy(logits, target, 0), 0.75);
  EXPECT_TRUE(test::throws_error_with([&] { train::binary_accuracy(probs, tensor({1, 0})); }, {"[4]", "[2]"}));
}

TEST(TrainMetrics, ConfusionMatrixRowsAreTruth) {
  const Tensor labels = tensor({0, 0, 1, 2, 2, 2}, DType::i64);
  const Tensor predicted = tensor({0, 1, 1, 2, 0, 2}, DType::i64);
  const Tensor m = train::confusion_matrix(predicted, labels);
  ASSERT_TRUE(test::values_near(m.to(DType::f64), {3, 3}, DType::f64, {1, 1, 0,  //
                                                                       0, 1, 0,  //
                                                                       1, 0, 2}, 0));
  EXPECT_EQ(m.dtype(), DType::i64);
  // From scores: the argmax is the prediction; num_classes from C (class 3 never seen).
  const Tensor scores = tensor({{0.9, 0.0, 0.0, 0.1}, {0.0, 0.2, 0.8, 0.0}});
  const Tensor m2 = train::confusion_matrix(scores, tensor({0, 1}, DType::i64));
  ASSERT_EQ(m2.shape(), Shape({4, 4}));
  EXPECT_EQ(m2.at({0, 0}), 1);
  EXPECT_EQ(m2.at({1, 2}), 1);
  EXPECT_TRUE(test::throws_error_with([&] { train::confusion_matrix(predicted, labels, 2); }, {"label 2", "[0, 2)"}));
  EXPECT_TRUE(test::throws_error_with([&] { train::confusion_matrix(scores, labels); }, {"[2, 4]", "[6]"}));
}

}  // namespace
}  // namespace soma
