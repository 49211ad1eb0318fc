// Tests of TensorDataset (row gathering for every dtype), Subset and the random splits, and
// the batch transforms (normalize, scale, random_horizontal_flip).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include "data_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/dataset.h"
#include "soma/data/split.h"
#include "soma/data/transforms.h"
#include "soma/ops/view.h"

namespace soma {
namespace {

using test::throws_with;

TEST(DataTensorDataset, GathersRowsOfEveryDType) {
  for (DType dt : {DType::f32, DType::f64, DType::i64}) {
    Tensor x = arange(0, 30, 1, dt);  // 5 examples of [2, 3]
    Tensor xs(Shape{5, 2, 3}, dt);
    std::memcpy(xs.raw_data(), x.raw_data(), 30 * size_of(dt));
    Tensor y = arange(10, 15, 1, DType::i64);
    data::TensorDataset ds(xs, y);
    EXPECT_EQ(ds.size(), 5);
    const std::vector<std::int64_t> idx = {4, 0, 4};
    data::Batch b = ds.get(idx);
    ASSERT_EQ(b.x.shape(), (Shape{3, 2, 3}));
    ASSERT_EQ(b.x.dtype(), dt);
    for (int k = 0; k < 3; ++k)
      for (int i = 0; i < 6; ++i) EXPECT_EQ(b.x.at({k, i / 3, i % 3}), double(idx[k] * 6 + i));
    EXPECT_EQ(b.y.shape(), (Shape{3}));
    EXPECT_EQ(b.y.at({0}), 14);
    EXPECT_EQ(b.y.at({1}), 10);
    EXPECT_FALSE(b.x.shares_storage(xs));
  }
}

TEST(DataTensorDataset, FloatTargetsAndUnlabeledData) {
  Tensor x = tensor({{1, 2}, {3, 4}, {5, 6}});
  data::TensorDataset regression(x, tensor({0.5, 1.5, 2.5}, {3, 1}, DType::f64));
  const std::vector<std::int64_t> idx = {2};
  EXPECT_EQ(regression.get(idx).y.at({0, 0}), 2.5);
  data::TensorDataset unlabeled(x);
  data::Batch b = unlabeled.get(idx);
  EXPECT_FALSE(b.y.defined());
  EXPECT_EQ(b.x.at({0, 1}), 6);
}

TEST(DataTensorDataset, GatheredBatchIsOutsideTheGraph) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  x.set_requires_grad();
  data::TensorDataset ds(x, tensor({0, 1}, DType::i64));
  const std::vector<std::int64_t> idx = {1, 0};
  EXPECT_FALSE(ds.get(idx).x.requires_grad());
}

TEST(DataTensorDataset, RejectsMismatchesAndBadIndices) {
  EXPECT_TRUE(throws_with([] { data::TensorDataset(zeros({3, 2}), zeros({4}, DType::i64)); },
                          {"[3, 2]", "[4]", "3 examples"}));
  EXPECT_TRUE(throws_with([] { data::TensorDataset(scalar(1), Tensor()); }, {"0-dim"}));
  data::TensorDataset ds(zeros({3, 2}), zeros({3}, DType::i64));
  const std::vector<std::int64_t> bad = {0, 3};
  EXPECT_TRUE(throws_with([&] { ds.get(bad); }, {"index 3", "position 1", "3 examples"}));
  const std::vector<std::int64_t> negative = {-1};
  EXPECT_TRUE(throws_with([&] { ds.get(negative); }, {"index -1"}));
}

// n examples whose x [1] and y both hold their own index.
std::shared_ptr<data::TensorDataset> numbered(std::int64_t n) {
  return std::make_shared<data::TensorDataset>(reshape(arange(double(n)), {n, 1}),
                                               arange(0, double(n), 1, DType::i64));
}

std::vector<std::int64_t> labels_of(const data::Dataset& ds) {
  std::vector<std::int64_t> all(std::size_t(ds.size()));
  std::iota(all.begin(), all.end(), 0);
  const Tensor y = ds.get(all).y;
  return std::vector<std::int64_t>(y.data<std::int64_t>(), y.data<std::int64_t>() + y.numel());
}

TEST(DataSplit, SubsetMapsIndices) {
  auto ds = numbered(6);
  data::Subset sub(ds, {5, 1, 3});
  EXPECT_EQ(sub.size(), 3);
  EXPECT_EQ(labels_of(sub), (std::vector<std::int64_t>{5, 1, 3}));
  const std::vector<std::int64_t> bad = {3};
  EXPECT_TRUE(throws_with([&] { sub.get(bad); }, {"index 3", "3 examples"}));
  EXPECT_TRUE(throws_with([&] { data::Subset(ds, {0, 6}); }, {"index 6", "6 examples"}));
}

TEST(DataSplit, FractionsFollowPyTorchsRoundingAndCoverTheDataset) {
  auto ds = numbered(10);
  auto parts = data::random_split(ds, {0.5, 0.3, 0.2}, 7);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->size(), 5);
  EXPECT_EQ(parts[1]->size(), 3);
  EXPECT_EQ(parts[2]->size(), 2);
  std::vector<std::int64_t> all;
  for (const auto& p : parts) {
    auto l = labels_of(*p);
    all.insert(all.end(), l.begin(), l.end());
  }
  std::vector<std::int64_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
  std::vector<std::int64_t> identity(10);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(all, identity) << "the split should be shuffled";

  // floor(2.5) = 2 each, the one left over goes to the first part (as torch.utils.data.random_split).
  auto halves = data::random_split(numbered(5), {0.5, 0.5}, 1);
  EXPECT_EQ(halves[0]->size(), 3);
  EXPECT_EQ(halves[1]->size(), 2);
}

TEST(DataSplit, SameSeedSameSplitAndCounts) {
  auto ds = numbered(20);
  auto a = data::random_split(ds, {15, 5}, 3);
  auto b = data::random_split(ds, {15, 5}, 3);
  auto c = data::random_split(ds, {15, 5}, 4);
  EXPECT_EQ(a[1]->size(), 5);
  EXPECT_EQ(a[0]->indices(), b[0]->indices());
  EXPECT_NE(a[0]->indices(), c[0]->indices());
  EXPECT_TRUE(throws_with([&] { data::random_split(ds, {15, 4}, 0); }, {"sum to 19", "20 examples"}));
  EXPECT_TRUE(throws_with([&] { data::random_split(ds, {10.5, 9.5}, 0); }, {"10.5"}));
  EXPECT_TRUE(throws_with([&] { data::random_split(ds, {-1, 21}, 0); }, {"non-negative"}));
  EXPECT_TRUE(throws_with([&] { data::random_split(ds, {}, 0); }, {"no lengths"}));
}

TEST(DataSplit, TrainValidationSplit) {
  auto [train, validation] = data::train_validation_split(numbered(10), 0.2, 5);
  EXPECT_EQ(train->size(), 8);
  EXPECT_EQ(validation->size(), 2);
  std::set<std::int64_t> seen(train->indices().begin(), train->indices().end());
  for (auto i : validation->indices()) EXPECT_FALSE(seen.count(i)) << "index " << i << " in both";
  EXPECT_TRUE(throws_with([] { data::train_validation_split(numbered(3), 1.5, 0); }, {"[0, 1]", "1.5"}));
}

data::Batch run_transform(const data::Transform& t, Tensor x, std::uint64_t seed = 0) {
  Generator gen(seed);
  return t({std::move(x), tensor({0}, DType::i64)}, gen);
}

TEST(DataTransforms, NormalizeScalarAndPerChannel) {
  // x [1, 2, 2]: channel 0 = {1, 3}, channel 1 = {5, 7}.
  Tensor x = tensor({1, 3, 5, 7}, {1, 2, 2});
  Tensor all = run_transform(data::normalize({1}, {2}), x).x;
  EXPECT_EQ(all.at({0, 0, 1}), 1.0f);
  EXPECT_EQ(all.at({0, 1, 1}), 3.0f);
  Tensor per = run_transform(data::normalize({1, 5}, {2, 4}), x).x;
  EXPECT_EQ(per.at({0, 0, 0}), 0.0f);
  EXPECT_EQ(per.at({0, 0, 1}), 1.0f);
  EXPECT_EQ(per.at({0, 1, 1}), 0.5f);
  EXPECT_EQ(x.at({0, 0, 0}), 1.0f) << "the input must not be overwritten";
  Tensor x64 = tensor({0.5}, {1, 1}, DType::f64);
  EXPECT_EQ(run_transform(data::normalize({0.25}, {0.5}), x64).x.at({0, 0}), 0.5);

  EXPECT_TRUE(throws_with([&] { run_transform(data::normalize({0, 0, 0}, {1, 1, 1}), x); }, {"3 channel", "[1, 2, 2]"}));
  EXPECT_TRUE(throws_with([] { data::normalize({0}, {0}); }, {"positive"}));
  EXPECT_TRUE(throws_with([] { data::normalize({0, 1}, {1}); }, {"same"}));
  EXPECT_TRUE(throws_with([] { run_transform(data::normalize({0}, {1}), zeros({1, 1}, DType::i64)); }, {"int64"}));
}

TEST(DataTransforms, Scale) {
  Tensor out = run_transform(data::scale(0.5), tensor({2, 4}, {2, 1})).x;
  EXPECT_EQ(out.at({1, 0}), 2.0f);
}

TEST(DataTransforms, RandomHorizontalFlip) {
  // x [2, 1, 2, 3]: each example two rows of three.
  Tensor x = reshape(arange(12.0), {2, 1, 2, 3});
  Tensor flipped = run_transform(data::random_horizontal_flip(1.0), x).x;
  EXPECT_EQ(flipped.at({0, 0, 0, 0}), 2.0f);
  EXPECT_EQ(flipped.at({0, 0, 1, 2}), 3.0f);
  EXPECT_EQ(flipped.at({1, 0, 1, 0}), 11.0f);
  EXPECT_TRUE(test::same_bits(run_transform(data::random_horizontal_flip(0.0), x).x, x));
  // p = 0.5 over many examples: some flipped, some not; same seed, same choice.
  Tensor many = reshape(arange(2.0 * 64), {64, 2});
  Tensor a = run_transform(data::random_horizontal_flip(0.5), many, 9).x;
  EXPECT_TRUE(test::same_bits(a, run_transform(data::random_horizontal_flip(0.5), many, 9).x));
  int flips = 0;
  for (int i = 0; i < 64; ++i) flips += a.at({i, 0}) != many.at({i, 0});
  EXPECT_GT(flips, 10);
  EXPECT_LT(flips, 54);
  EXPECT_TRUE(throws_with([] { data::random_horizontal_flip(2); }, {"[0, 1]"}));
}

}  // namespace
}  // namespace soma
