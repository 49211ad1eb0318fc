// Tests of include/soma/ops/gather.h: forward values by hand (PyTorch's docs example on both
// axes, a DQN's Q(s, a) pick, 3-D on every axis, an index smaller than the input), float64
// gradchecks with repeated picks (their gradients add), int64 input, and the errors.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/gather.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::throws_error_with;
using test::values_near;
using In = const std::vector<Tensor>&;

Tensor ids(std::initializer_list<std::initializer_list<double>> rows) { return tensor(rows, DType::i64); }

TEST(Gather, MatchesTorchDocsExampleOnBothAxes) {
  for (DType dtype : test::kFloatDTypes) {
    const Tensor t = tensor({{1, 2}, {3, 4}}, dtype);
    // torch.gather(t, 1, tensor([[0, 0], [1, 0]])) = [[1, 1], [4, 3]]
    EXPECT_TRUE(values_near(gather(t, 1, ids({{0, 0}, {1, 0}})), {2, 2}, dtype, {1, 1, 4, 3}));
    // along axis 0: out[i][j] = t[index[i][j]][j]
    EXPECT_TRUE(values_near(gather(t, 0, ids({{1, 0}, {0, 1}})), {2, 2}, dtype, {3, 2, 1, 4}));
    EXPECT_TRUE(values_near(gather(t, -1, ids({{1}, {0}})), {2, 1}, dtype, {2, 3}));
  }
}

TEST(Gather, PicksTheQValueOfEachTakenAction) {
  const Tensor q = tensor({{0.5, 1.5, -1}, {2, 3, 4}, {7, 8, 9}});
  const Tensor actions = tensor({2, 0, 1}, Shape{3, 1}, DType::i64);
  EXPECT_TRUE(values_near(gather(q, 1, actions), {3, 1}, DType::f32, {-1, 2, 8}));
}

TEST(Gather, ThreeAxesWithAnIndexSmallerThanTheInput) {
  const Tensor x = arange(24, DType::f64);
  const Tensor x3 = from_data(std::span<const double>(x.data<double>(), 24), {2, 3, 4}, DType::f64);
  const Tensor index = tensor({1, 0, 2, 2}, Shape{1, 2, 2}, DType::i64);
  // axis 1: out[0][j][k] = x[0][index[0][j][k]][k]
  EXPECT_TRUE(values_near(gather(x3, 1, index), {1, 2, 2}, DType::f64, {4, 1, 8, 9}));
  // axis 2: out[0][j][k] = x[0][j][index]
  EXPECT_TRUE(values_near(gather(x3, 2, index), {1, 2, 2}, DType::f64, {1, 0, 6, 6}));
  // axis 0 with index values 0/1: out[0][j][k] = x[index][j][k]
  const Tensor index0 = tensor({1, 0, 0, 1}, Shape{1, 2, 2}, DType::i64);
  EXPECT_TRUE(values_near(gather(x3, 0, index0), {1, 2, 2}, DType::f64, {12, 1, 4, 17}));
}

TEST(Gather, GathersInt64WithoutAGraph) {
  const Tensor x = tensor({{10, 20, 30}}, DType::i64);
  const Tensor y = gather(x, 1, ids({{2, 2, 0, 1}}));
  EXPECT_EQ(y.dtype(), DType::i64);
  EXPECT_EQ(y.at({0, 0}), 30);
  EXPECT_EQ(y.at({0, 3}), 20);
}

TEST(Gather, GradientScatterAddsRepeatedPicks) {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, DType::f64).set_requires_grad();
  gather(x, 1, ids({{2, 2, 0}, {1, 1, 1}})).backward(ones({2, 3}, DType::f64));
  EXPECT_TRUE(values_near(x.grad(), {2, 3}, DType::f64, {1, 0, 2, 0, 3, 0}));
}

TEST(Gather, GradcheckOnEveryAxis) {
  const Tensor x = test::random64({3, 4, 5}, 11);
  const Tensor i0 = tensor({2, 0, 1, 1, 0, 2, 2, 2, 1, 0, 0, 0}, Shape{2, 3, 2}, DType::i64);
  const Tensor i1 = tensor({3, 3, 0, 1, 2, 3, 0, 0, 1, 2, 2, 1, 3, 0, 0}, Shape{3, 5, 1}, DType::i64);
  const Tensor i2 = tensor({4, 4, 4, 0, 1, 2, 3, 4, 0, 0, 1, 1}, Shape{1, 4, 3}, DType::i64);
  EXPECT_TRUE(gradcheck([&](In in) { return gather(in[0], 0, i0); }, {x}));
  EXPECT_TRUE(gradcheck([&](In in) { return gather(in[0], 1, i1); }, {x}));
  EXPECT_TRUE(gradcheck([&](In in) { return gather(in[0], -1, i2); }, {x}));
  EXPECT_TRUE(gradcheck([&](In in) { return gather(in[0], 1, ids({{1, 0, 1}, {0, 0, 0}})); }, {test::random64({2, 2}, 3)}));
}

TEST(Gather, BadInputsThrowNamingGather) {
  const Tensor x = zeros({2, 3});
  EXPECT_TRUE(throws_error_with([&] { gather(x, 1, ids({{0}, {3}})); }, {"gather", "index 3", "size 3"}));
  EXPECT_TRUE(throws_error_with([&] { gather(x, 1, ids({{-1}, {0}})); }, {"gather", "index -1", "size 3"}));
  EXPECT_TRUE(throws_error_with([&] { gather(x, 2, ids({{0}})); }, {"gather", "dim 2"}));
  EXPECT_TRUE(throws_error_with([&] { gather(x, 1, tensor({0, 1}, DType::i64)); }, {"gather", "axes"}));
  EXPECT_TRUE(throws_error_with([&] { gather(x, 1, tensor({{0, 1}})); }, {"gather", "int64", "float32"}));
  EXPECT_TRUE(throws_error_with([&] { gather(x, 1, ids({{0}, {0}, {0}})); }, {"gather", "[3, 1]", "[2, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { gather(scalar(1), 0, scalar(0, DType::i64)); }, {"gather", "axis"}));
}

}  // namespace
}  // namespace soma
