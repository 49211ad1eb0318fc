// Tests for nll_loss and categorical_crossentropy (ops/loss.h): their identities with
// cross_entropy, float64 gradient checks, and the errors users see.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/soma.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;

// Labels for 4 rows of 3 classes.
Tensor labels() { return tensor({2, 0, 1, 2}, DType::i64); }

// cross_entropy(x, y) = nll_loss(log_softmax(x), y) = categorical_crossentropy(softmax(x), y).
TEST(ProbabilityLoss, AgreesWithCrossEntropyOnLogits) {
  const Tensor x = random64({4, 3}, 3);
  const double ce = cross_entropy(x, labels()).item();
  EXPECT_NEAR(nll_loss(log_softmax(x, 1), labels()).item(), ce, 1e-12);
  EXPECT_NEAR(categorical_crossentropy(softmax(x, 1), labels()).item(), ce, 1e-12);
  EXPECT_NEAR(categorical_crossentropy(x, labels(), true).item(), ce, 1e-12);
  const Tensor onehot = reshape(tensor({0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, DType::f64), {4, 3});
  EXPECT_NEAR(categorical_crossentropy(softmax(x, 1), onehot).item(), ce, 1e-12);
  EXPECT_EQ(nll_loss(log_softmax(x, 1), labels(), Reduction::none).shape(), Shape{4});
  EXPECT_NEAR(nll_loss(log_softmax(x, 1), labels(), Reduction::sum).item(), 4 * ce, 1e-11);
}

// Keras clips probabilities to [1e-7, 1 - 1e-7]: a zero probability of the true class costs
// -log(1e-7), not infinity.
TEST(ProbabilityLoss, CategoricalClipsAZeroProbability) {
  const Tensor p = reshape(tensor({0.0, 1.0}, DType::f64), {1, 2});
  EXPECT_NEAR(categorical_crossentropy(p, tensor({0}, DType::i64)).item(), -std::log(1e-7), 1e-9);
}

TEST(ProbabilityLoss, GradientsMatchFiniteDifferences) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return nll_loss(log_softmax(in[0], 1), labels()); }, {random64({4, 3}, 1)}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return nll_loss(in[0], labels(), Reduction::none); },
                        {random64({4, 3}, 2)}));
  // Probabilities away from the clip bounds, and soft targets that get a gradient too.
  EXPECT_TRUE(gradcheck([](const auto& in) { return categorical_crossentropy(softmax(in[0], 1), labels()); },
                        {random64({4, 3}, 4)}));
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return categorical_crossentropy(softmax(in[0], 1), softmax(in[1], 1), false, Reduction::sum); },
      {random64({4, 3}, 5), random64({4, 3}, 6)}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return categorical_crossentropy(in[0], labels(), true); },
                        {random64({4, 3}, 7)}));
}

TEST(ProbabilityLoss, ErrorsNameTheLossAndWhatToChange) {
  const Tensor x = random64({4, 3}, 8);
  // Logits passed as probabilities: a negative entry.
  EXPECT_TRUE(test::throws_error_with([&] { categorical_crossentropy(x, labels()); },
                                      {"categorical_crossentropy", "probabilities", "from_logits = true"}));
  EXPECT_TRUE(test::throws_error_with([&] { nll_loss(x, softmax(x, 1)); },
                                      {"nll_loss", "int64 class indices of shape [4]"}));
  EXPECT_TRUE(test::throws_error_with([&] { nll_loss(x, tensor({0, 1, 3, 0}, DType::i64)); },
                                      {"nll_loss", "label 3", "row 2", "C = 3"}));
  EXPECT_TRUE(test::throws_error_with([&] { categorical_crossentropy(softmax(x, 1), tensor({0, 1}, DType::i64)); },
                                      {"categorical_crossentropy", "[4]", "[2]"}));
  EXPECT_TRUE(test::throws_error_with([&] { nll_loss(random64({2, 3, 4}), labels()); },
                                      {"nll_loss", "2-D log-probabilities"}));
}

}  // namespace
}  // namespace soma
