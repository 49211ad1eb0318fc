// Tests of DataLoader: batch counts, shuffling (a permutation, new each epoch, fixed by the
// seed), prefetch on/off giving identical batches, bit-identical resume from a LoaderState,
// exceptions from the background thread, abandoning epochs mid-way, and shards (rank of
// world_size): disjoint, covering the epoch, deterministic and resumable.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>

#include "data_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/dataloader.h"
#include "soma/ops/view.h"

namespace soma {
namespace {

using data_test::same_bits;
using data_test::throws_with;

// n examples whose x [2] holds (i, -i) and whose y holds i.
std::shared_ptr<data::TensorDataset> numbered(std::int64_t n) {
  Tensor x(Shape{n, 2}, DType::f32);
  for (std::int64_t i = 0; i < n; ++i) {
    x.set({i, 0}, double(i));
    x.set({i, 1}, -double(i));
  }
  return std::make_shared<data::TensorDataset>(x, arange(0, double(n), 1, DType::i64));
}

// A random transform: adds normal noise drawn from the batch's generator.
data::Transform noise() {
  return [](data::Batch b, Generator& gen) {
    Tensor out = b.x.copy();
    float* p = out.data<float>();
    for (std::int64_t i = 0; i < out.numel(); ++i) p[i] += float(0.1 * gen.normal());
    b.x = out;
    return b;
  };
}

std::vector<std::int64_t> ids(const data::Batch& b) {
  return std::vector<std::int64_t>(b.y.data<std::int64_t>(), b.y.data<std::int64_t>() + b.y.numel());
}

// The rest of the current epoch.
std::vector<data::Batch> drain(data::DataLoader& loader) {
  std::vector<data::Batch> out;
  while (auto b = loader.next()) out.push_back(*b);
  return out;
}

std::vector<std::vector<data::Batch>> epochs(data::DataLoader& loader, int count) {
  std::vector<std::vector<data::Batch>> out;
  for (int e = 0; e < count; ++e) {
    loader.start_epoch();
    out.push_back(drain(loader));
  }
  return out;
}

::testing::AssertionResult same_batches(const std::vector<data::Batch>& a, const std::vector<data::Batch>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " batches";
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i].x, b[i].x) || !same_bits(a[i].y, b[i].y))
      return ::testing::AssertionFailure() << "batch " << i << " differs";
  return ::testing::AssertionSuccess();
}

data::DataLoaderOptions shuffled(bool prefetch, std::uint64_t seed = 11) {
  return {.batch_size = 4, .shuffle = true, .prefetch = prefetch, .seed = seed, .transforms = {noise()}};
}

TEST(DataLoader, BatchCountsWithAndWithoutDropLast) {
  auto ds = numbered(10);
  for (bool prefetch : {false, true}) {
    data::DataLoader keep(ds, {.batch_size = 3, .prefetch = prefetch});
    EXPECT_EQ(keep.batches_per_epoch(), 4);
    keep.start_epoch();
    auto batches = drain(keep);
    ASSERT_EQ(batches.size(), 4u);
    EXPECT_EQ(batches[3].x.shape(), (Shape{1, 2}));
    EXPECT_EQ(ids(batches[1]), (std::vector<std::int64_t>{3, 4, 5}));  // in order without shuffle
    EXPECT_FALSE(keep.next()) << "the end stays the end";

    data::DataLoader drop(ds, {.batch_size = 3, .drop_last = true, .prefetch = prefetch});
    EXPECT_EQ(drop.batches_per_epoch(), 3);
    drop.start_epoch();
    EXPECT_EQ(drain(drop).size(), 3u);

    data::DataLoader exact(ds, {.batch_size = 5, .drop_last = true, .prefetch = prefetch});
    EXPECT_EQ(exact.batches_per_epoch(), 2);
    data::DataLoader big(ds, {.batch_size = 64, .drop_last = true, .prefetch = prefetch});
    big.start_epoch();
    EXPECT_FALSE(big.next());
  }
  EXPECT_TRUE(throws_with([&] { data::DataLoader(ds, {.batch_size = 0}); }, {"batch_size"}));
  EXPECT_TRUE(throws_with([] { data::DataLoader(nullptr); }, {"null"}));
}

TEST(DataLoader, ShuffleIsAPermutationNewEachEpochAndFixedBySeed) {
  auto ds = numbered(50);
  data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 3});
  std::vector<std::vector<std::int64_t>> orders;
  for (const auto& epoch : epochs(loader, 3)) {
    std::vector<std::int64_t> order;
    for (const auto& b : epoch) {
      auto i = ids(b);
      order.insert(order.end(), i.begin(), i.end());
      for (std::int64_t k = 0; k < b.x.size(0); ++k) EXPECT_EQ(b.x.at({k, 0}), double(i[k]));  // x follows y
    }
    std::vector<std::int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::int64_t> identity(50);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(sorted, identity) << "each epoch visits every example once";
    EXPECT_NE(order, identity);
    orders.push_back(order);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);

  data::DataLoader same(ds, {.batch_size = 8, .shuffle = true, .seed = 3});
  data::DataLoader other(ds, {.batch_size = 8, .shuffle = true, .seed = 4});
  same.start_epoch();
  other.start_epoch();
  EXPECT_EQ(ids(*same.next()), std::vector<std::int64_t>(orders[0].begin(), orders[0].begin() + 8));
  EXPECT_NE(ids(*other.next()), std::vector<std::int64_t>(orders[0].begin(), orders[0].begin() + 8));
}

TEST(DataLoader, PrefetchOnAndOffGiveIdenticalBatches) {
  auto ds = numbered(22);
  data::DataLoader on(ds, shuffled(true));
  data::DataLoader off(ds, shuffled(false));
  auto a = epochs(on, 3), b = epochs(off, 3);
  for (int e = 0; e < 3; ++e) EXPECT_TRUE(same_batches(a[e], b[e])) << "epoch " << e;
  EXPECT_FALSE(same_bits(a[0][0].x, a[1][0].x)) << "the noise must differ between epochs";
}

TEST(DataLoader, PrefetchRunsOnAnotherThread) {
  std::atomic<bool> elsewhere{false};
  const auto caller = std::this_thread::get_id();
  data::DataLoader loader(numbered(4), {.batch_size = 2, .transforms = {[&](data::Batch b, Generator&) {
                                          if (std::this_thread::get_id() != caller) elsewhere = true;
                                          return b;
                                        }}});
  loader.start_epoch();
  drain(loader);
  EXPECT_TRUE(elsewhere);
}

TEST(DataLoader, ResumeFromStateIsBitIdentical) {
  auto ds = numbered(22);  // 6 batches of 4, the last of 2
  data::DataLoader reference(ds, shuffled(false));
  const auto expected = epochs(reference, 3);
  for (bool before : {false, true})
    for (bool after : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "prefetch before " << before << ", after " << after);
      data::LoaderState saved;
      {
        data::DataLoader first(ds, shuffled(before));
        first.start_epoch();
        drain(first);
        first.start_epoch();
        first.next();
        first.next();
        saved = first.state();  // the third batch may already be prefetched: it must not count
      }
      EXPECT_EQ(saved.epoch, 2);
      EXPECT_EQ(saved.next_batch, 2);
      data::DataLoader resumed(ds, shuffled(after));
      resumed.set_state(saved);
      EXPECT_TRUE(same_batches(drain(resumed), std::vector<data::Batch>(expected[1].begin() + 2, expected[1].end())));
      resumed.start_epoch();
      EXPECT_TRUE(same_batches(drain(resumed), expected[2]));
    }
}

TEST(DataLoader, ResumeAtEpochBoundaries) {
  auto ds = numbered(10);
  data::DataLoader reference(ds, shuffled(true));
  const auto expected = epochs(reference, 2);

  data::DataLoader fresh(ds, shuffled(true));
  const data::LoaderState start = fresh.state();
  EXPECT_EQ(start.epoch, 0);
  data::DataLoader from_start(ds, shuffled(true, /*seed=*/99));  // the state carries the generator
  from_start.set_state(start);
  EXPECT_TRUE(same_batches(epochs(from_start, 1)[0], expected[0]));

  data::DataLoader ended(ds, shuffled(true));
  ended.start_epoch();
  drain(ended);
  const data::LoaderState end = ended.state();
  EXPECT_EQ(end.next_batch, 3);
  data::DataLoader from_end(ds, shuffled(false));
  from_end.set_state(end);
  EXPECT_FALSE(from_end.next());
  from_end.start_epoch();
  EXPECT_TRUE(same_batches(drain(from_end), expected[1]));
}

TEST(DataLoader, RejectsBadStates) {
  data::DataLoader loader(numbered(10), shuffled(true));
  const std::string gen = loader.state().generator;
  EXPECT_TRUE(throws_with([&] { loader.set_state({1, 4, gen}); }, {"next_batch 4", "3 batches"}));
  EXPECT_TRUE(throws_with([&] { loader.set_state({-1, 0, gen}); }, {"negative"}));
  EXPECT_TRUE(throws_with([&] { loader.set_state({0, 1, gen}); }, {"before the first epoch"}));
  EXPECT_TRUE(throws_with([&] { loader.set_state({1, 0, "not a state"}); }, {"generator"}));
  EXPECT_TRUE(throws_with([&] { loader.next(); }, {"start_epoch"}));
}

TEST(DataLoader, ExceptionsFromTransformsReachNextAndTheBatchCanBeRetried) {
  for (bool prefetch : {false, true}) {
    SCOPED_TRACE(prefetch ? "prefetch" : "no prefetch");
    auto failures = std::make_shared<std::atomic<int>>(1);
    data::DataLoader loader(numbered(12), {.batch_size = 4, .prefetch = prefetch,
                                           .transforms = {[failures](data::Batch b, Generator&) {
                                             if (b.y.at({0}) == 4 && failures->fetch_sub(1) > 0)
                                               throw Error("transform failed on the batch starting at 4");
                                             return b;
                                           }}});
    loader.start_epoch();
    EXPECT_EQ(ids(*loader.next())[0], 0);
    EXPECT_TRUE(throws_with([&] { loader.next(); }, {"transform failed on the batch starting at 4"}));
    EXPECT_EQ(loader.state().next_batch, 1) << "the failed batch is not consumed";
    EXPECT_EQ(ids(*loader.next())[0], 4) << "a retry loads it again";
    EXPECT_EQ(ids(*loader.next())[0], 8);
    EXPECT_FALSE(loader.next());
  }
}

TEST(DataLoader, ExceptionsKeepTheirTypeAndALoaderRecovers) {
  data::DataLoader loader(numbered(8), {.batch_size = 4, .transforms = {[](data::Batch, Generator&) -> data::Batch {
                                          throw std::logic_error("always fails");
                                        }}});
  loader.start_epoch();
  EXPECT_THROW(loader.next(), std::logic_error);
  EXPECT_THROW(loader.next(), std::logic_error);
  loader.start_epoch();  // abandons the failed epoch cleanly
  EXPECT_THROW(loader.next(), std::logic_error);
}

// Sleeps in get(), so that the worker is busy when the epoch is abandoned.
class SlowDataset : public data::Dataset {
 public:
  explicit SlowDataset(std::shared_ptr<data::Dataset> inner) : inner_(std::move(inner)) {}
  std::int64_t size() const override { return inner_->size(); }
  data::Batch get(std::span<const std::int64_t> indices) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return inner_->get(indices);
  }

 private:
  std::shared_ptr<data::Dataset> inner_;
};

TEST(DataLoader, AbandoningEpochsAndDestroyingMidEpochAreClean) {
  auto ds = std::make_shared<SlowDataset>(numbered(40));
  data::DataLoader reference(ds, shuffled(false));
  const auto expected = epochs(reference, 4);

  data::DataLoader loader(ds, shuffled(true));
  loader.start_epoch();
  loader.next();
  loader.start_epoch();  // abandons epoch 1 while batch 1 may be loading
  loader.start_epoch();  // abandons epoch 2 before its first batch is taken
  loader.start_epoch();
  EXPECT_TRUE(same_batches(drain(loader), expected[3]));

  for (int i = 0; i < 5; ++i) {
    data::DataLoader dying(ds, shuffled(true));
    dying.start_epoch();
    if (i % 2) dying.next();
  }  // each destructor joins its worker
}

// Shards: every rank computes the epoch order of the unsharded loader and reads its positions
// rank, rank + W, ...; so shards are disjoint and their union is the epoch.
data::DataLoaderOptions shard(int rank, int world, bool prefetch = true) {
  data::DataLoaderOptions o = shuffled(prefetch);
  o.rank = rank;
  o.world_size = world;
  return o;
}

std::vector<std::int64_t> all_ids(const std::vector<data::Batch>& batches) {
  std::vector<std::int64_t> out;
  for (const auto& b : batches)
    for (std::int64_t i : ids(b)) out.push_back(i);
  return out;
}

TEST(DataLoaderShard, ShardsAreDisjointAndTheirUnionIsTheEpoch) {
  auto ds = numbered(23);
  data::DataLoader whole(ds, shuffled(true));
  const auto expected = epochs(whole, 2);
  const int world = 3;
  std::vector<std::vector<std::vector<data::Batch>>> per_rank;
  for (int rank = 0; rank < world; ++rank) {
    data::DataLoader loader(ds, shard(rank, world, rank != 1));
    EXPECT_EQ(loader.batches_per_epoch(), 2);  // shards of 8, 8 and 7 in batches of 4
    per_rank.push_back(epochs(loader, 2));
  }
  for (int e = 0; e < 2; ++e) {
    const auto order = all_ids(expected[std::size_t(e)]);
    std::vector<std::int64_t> seen;
    for (int rank = 0; rank < world; ++rank) {
      const auto mine = all_ids(per_rank[std::size_t(rank)][std::size_t(e)]);
      ASSERT_EQ(mine.size(), std::size_t(rank < 2 ? 8 : 7));
      for (std::size_t i = 0; i < mine.size(); ++i) EXPECT_EQ(mine[i], order[std::size_t(rank) + i * world]);
      seen.insert(seen.end(), mine.begin(), mine.end());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<std::int64_t> every(23);
    std::iota(every.begin(), every.end(), std::int64_t(0));
    EXPECT_EQ(seen, every) << "epoch " << e;
  }
  // Each epoch has its own order, so a rank's shard changes between epochs.
  EXPECT_NE(all_ids(per_rank[0][0]), all_ids(per_rank[0][1]));
}

TEST(DataLoaderShard, DropLastGivesEveryRankTheSameNumberOfFullBatches) {
  auto ds = numbered(23);  // shards of 8, 8, 7: 7 / 3 -> 2 full batches on every rank
  std::vector<std::int64_t> seen;
  for (int rank = 0; rank < 3; ++rank) {
    data::DataLoaderOptions o = shard(rank, 3);
    o.batch_size = 3;
    o.drop_last = true;
    data::DataLoader loader(ds, o);
    EXPECT_EQ(loader.batches_per_epoch(), 2);
    loader.start_epoch();
    const auto batches = drain(loader);
    ASSERT_EQ(batches.size(), 2u);
    for (const auto& b : batches) EXPECT_EQ(b.x.size(0), 3);
    for (std::int64_t i : all_ids(batches)) seen.push_back(i);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "an example in two shards";
}

TEST(DataLoaderShard, SameRankAndSeedGiveTheSameBatchesAndResumeExactly) {
  auto ds = numbered(30);
  data::DataLoader reference(ds, shard(1, 4));
  const auto expected = epochs(reference, 2);
  data::DataLoader again(ds, shard(1, 4, false));
  EXPECT_TRUE(same_batches(epochs(again, 2)[1], expected[1]));

  data::DataLoader interrupted(ds, shard(1, 4));
  interrupted.start_epoch();
  drain(interrupted);
  interrupted.start_epoch();
  interrupted.next();
  const data::LoaderState saved = interrupted.state();
  EXPECT_EQ(saved.next_batch, 1);
  data::DataLoader resumed(ds, shard(1, 4));
  resumed.set_state(saved);
  EXPECT_TRUE(same_batches(drain(resumed), std::vector<data::Batch>(expected[1].begin() + 1, expected[1].end())));
  // Past the end of this shard's epoch (2 batches), though the whole epoch has 8.
  EXPECT_TRUE(throws_with([&] { resumed.set_state({1, 3, saved.generator}); }, {"next_batch 3", "2 batches"}));
}

TEST(DataLoaderShard, TransformsDrawDifferentlyOnEachRank) {
  auto ds = std::make_shared<data::TensorDataset>(zeros({8, 2}), zeros({8}, DType::i64));
  data::DataLoader a(ds, shard(0, 2)), b(ds, shard(1, 2));
  a.start_epoch();
  b.start_epoch();
  EXPECT_FALSE(same_bits(a.next()->x, b.next()->x));  // same zeros, other noise
}

TEST(DataLoaderShard, RejectsARankOutsideTheWorld) {
  auto ds = numbered(10);
  EXPECT_TRUE(throws_with([&] { data::DataLoader(ds, {.rank = 3, .world_size = 3}); },
                          {"rank", "[0, 3)", "got 3"}));
  EXPECT_TRUE(throws_with([&] { data::DataLoader(ds, {.rank = -1, .world_size = 2}); }, {"rank", "got -1"}));
  EXPECT_TRUE(throws_with([&] { data::DataLoader(ds, {.world_size = 0}); }, {"world_size", "at least 1", "got 0"}));
}

}  // namespace
}  // namespace soma
