// Tests of rl::SumTree: the invariants (every inner node the sum and minimum of its children)
// after many random updates, find() at the boundaries of each leaf's mass, zero priorities
// never found, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/op_test_util.h"
#include "soma/core/generator.h"
#include "soma/rl/sum_tree.h"

namespace soma::rl {
namespace {

TEST(SumTree, InnerNodesHoldTheSumsOfTheirChildrenAfterRandomUpdates) {
  SumTree tree(13);  // not a power of two: 16 leaves, 3 always 0
  Generator gen(5);
  for (int step = 0; step < 2000; ++step)
    tree.set(std::int64_t(gen.below(13)), gen.uniform() < 0.1 ? 0.0 : gen.uniform(0, 10));
  const auto& s = tree.sums();
  for (std::int64_t node = 1; node < tree.leaves(); ++node)
    EXPECT_DOUBLE_EQ(s[node], s[2 * node] + s[2 * node + 1]) << "node " << node;
  double total = 0, smallest = std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < 13; ++i) {
    total += tree.get(i);
    if (tree.get(i) > 0) smallest = std::min(smallest, tree.get(i));
  }
  EXPECT_NEAR(tree.total(), total, 1e-12 * total);
  EXPECT_EQ(tree.min(), smallest);
}

TEST(SumTree, FindGivesTheLeafWhoseMassHoldsThePoint) {
  SumTree tree(5);
  const double p[5] = {1, 0, 2, 0.5, 0};
  for (int i = 0; i < 5; ++i) tree.set(i, p[i]);
  EXPECT_EQ(tree.total(), 3.5);
  EXPECT_EQ(tree.min(), 0.5);
  EXPECT_EQ(tree.find(0), 0);
  EXPECT_EQ(tree.find(0.999), 0);
  EXPECT_EQ(tree.find(1.0), 2);  // leaf 1 has no mass: never found
  EXPECT_EQ(tree.find(2.999), 2);
  EXPECT_EQ(tree.find(3.0), 3);
  EXPECT_EQ(tree.find(3.5), 3);   // at the total (rounding): the last positive leaf
  EXPECT_EQ(tree.find(100), 3);
}

TEST(SumTree, AllZeroHasInfiniteMinimumAndCannotBeSearched) {
  SumTree tree(3);
  EXPECT_TRUE(std::isinf(tree.min()));
  EXPECT_TRUE(test::throws_error_with([&] { tree.find(0); }, {"SumTree", "0"}));
  tree.set(1, 2);
  tree.set(1, 0);
  EXPECT_EQ(tree.total(), 0);
  EXPECT_TRUE(test::throws_error_with([&] { tree.set(3, 1); }, {"SumTree", "index 3"}));
  EXPECT_TRUE(test::throws_error_with([&] { tree.set(0, -1); }, {"SumTree", "-1"}));
  EXPECT_TRUE(test::throws_error_with([] { SumTree(0); }, {"SumTree", "capacity"}));
}

}  // namespace
}  // namespace soma::rl
