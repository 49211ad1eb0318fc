// Tests of include/soma/ops/sequence_loss.h: equal to cross_entropy on the flattened tokens;
// a mask and ignore_index leave padding out of the sum and of the mean's count; reductions;
// float64 gradcheck; errors.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/loss.h"
#include "soma/ops/sequence_loss.h"
#include "soma/ops/view.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using test::random64;
using test::throws_error_with;
using test::values;

Tensor ids(std::vector<double> v, Shape shape) { return from_data(v, shape).to(DType::i64); }

TEST(SequenceCrossEntropy, MatchesCrossEntropyOnTheFlattenedTokens) {
  const Tensor logits = random64({2, 3, 4});
  const Tensor targets = ids({0, 3, 1, 2, 2, 0}, {2, 3});
  const Tensor flat = cross_entropy(reshape(logits, {6, 4}), reshape(targets, {6}), Reduction::none);
  const std::vector<double> per = values(flat);
  double total = 0;
  for (double v : per) total += v;
  EXPECT_NEAR(sequence_cross_entropy(logits, targets).item(), total / 6, 1e-14);
  EXPECT_NEAR(sequence_cross_entropy(logits, targets, {.reduction = Reduction::sum}).item(), total, 1e-14);
  const Tensor none = sequence_cross_entropy(logits, targets, {.reduction = Reduction::none});
  EXPECT_EQ(none.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(none), per);

  // padding: the mask and ignore_index leave the same tokens out
  const Tensor mask = from_data(std::vector<double>{1, 1, 0, 1, 0, 0}, {2, 3}).to(DType::f64);
  const double kept = per[0] + per[1] + per[3];
  EXPECT_NEAR(sequence_cross_entropy(logits, targets, {.mask = mask}).item(), kept / 3, 1e-14);
  const Tensor padded = ids({0, 3, -100, 2, -100, -100}, {2, 3});
  EXPECT_NEAR(sequence_cross_entropy(logits, padded, {.ignore_index = -100}).item(), kept / 3, 1e-14);
  EXPECT_NEAR(sequence_cross_entropy(logits, padded, {.reduction = Reduction::sum, .ignore_index = -100}).item(), kept,
              1e-14);
  EXPECT_EQ(values(sequence_cross_entropy(logits, padded, {.reduction = Reduction::none, .ignore_index = -100}))[2],
            0.0);
}

TEST(SequenceCrossEntropy, Gradcheck) {
  const Tensor targets = ids({0, 3, 1, 2, 2, 0}, {2, 3});
  const Tensor mask = from_data(std::vector<double>{1, 1, 0, 1, 0.5, 1}, {2, 3}).to(DType::f64);
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& in) { return sequence_cross_entropy(in[0], targets, {.mask = mask}); },
      {random64({2, 3, 4})}));
}

TEST(SequenceCrossEntropy, Errors) {
  const Tensor logits = random64({2, 3, 4});
  EXPECT_TRUE(throws_error_with([&] { sequence_cross_entropy(random64({6, 4}), ids({0}, {1})); },
                                {"sequence_cross_entropy", "[N, T, V]", "[6, 4]"}));
  EXPECT_TRUE(throws_error_with([&] { sequence_cross_entropy(logits, ids({0, 1, 2}, {3})); },
                                {"sequence_cross_entropy", "[2, 3]", "[3]"}));
  EXPECT_TRUE(throws_error_with([&] { sequence_cross_entropy(logits, ids({0, 1, 2, 3, 4, 0}, {2, 3})); },
                                {"target 4 at sequence 1, step 1", "[0, 4)"}));
  EXPECT_TRUE(throws_error_with(
      [&] { sequence_cross_entropy(logits, ids({0, 1, 2, 3, 0, 0}, {2, 3}), {.mask = zeros({2, 3})}); },
      {"mask must be float64 [N, T]"}));
}

}  // namespace
}  // namespace soma
