// NodeList, the input list of a graph node that keeps its first entries in place, and the
// engine's handling of nodes with more inputs than that (they spill to the heap).
#include <gtest/gtest.h>
#include <soma/soma.h>

#include "soma/autograd/function.h"

namespace soma {
namespace {

using autograd::Grads;
using autograd::NodeList;

TEST(NodeList, GrowsPastItsInlineEntriesKeepingOrder) {
  std::vector<Tensor> leaves;
  NodeList list;
  for (int i = 0; i < 7; ++i) {
    leaves.push_back(scalar(i).set_requires_grad());
    list.emplace_back(autograd::node_of(leaves.back()));
    ASSERT_EQ(list.size(), std::size_t(i + 1));
    for (int j = 0; j <= i; ++j) EXPECT_EQ(list[j].get(), autograd::node_of(leaves[j]));
  }
  EXPECT_EQ(leaves[0].impl()->grad_node->use_count(), 2);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(leaves[0].impl()->grad_node->use_count(), 1);
  list.reserve(5);  // spilled while empty, then filled
  for (int i = 0; i < 5; ++i) list.emplace_back(i == 2 ? nullptr : autograd::node_of(leaves[i]));
  EXPECT_EQ(list.size(), 5u);
  EXPECT_FALSE(list[2]);
  EXPECT_EQ(list[4].get(), autograd::node_of(leaves[4]));
}

// y = sum over i of (i + 1) x_i, recorded as one op with five inputs.
Tensor weighted_sum(const std::vector<Tensor>& x) {
  Tensor y = zeros({});
  for (std::size_t i = 0; i < x.size(); ++i) y.set({}, y.item() + double(i + 1) * x[i].item());
  std::vector<const Tensor*> inputs;
  for (const auto& t : x) inputs.push_back(&t);
  autograd::record(y, "weighted_sum", std::span<const Tensor* const>(inputs), [n = x.size()](const Tensor& gy, Grads& g) {
    for (std::size_t i = 0; i < n; ++i)
      if (g.needed(i)) g[i] = full({}, double(i + 1) * gy.item());
  });
  return y;
}

TEST(NodeList, OpWithManyInputsGetsEveryGradient) {
  std::vector<Tensor> x;
  for (int i = 0; i < 5; ++i) x.push_back(scalar(1.5 * i));
  for (int i : {0, 1, 3, 4}) x[i].set_requires_grad();  // x[2] is a constant
  Tensor y = weighted_sum(x);
  EXPECT_DOUBLE_EQ(y.item(), 1 * 0.0 + 2 * 1.5 + 3 * 3.0 + 4 * 4.5 + 5 * 6.0);
  (y * 2.0).backward();
  for (int i : {0, 1, 3, 4}) EXPECT_DOUBLE_EQ(x[i].grad().item(), 2.0 * (i + 1));
  EXPECT_FALSE(x[2].grad().defined());
}

}  // namespace
}  // namespace soma
