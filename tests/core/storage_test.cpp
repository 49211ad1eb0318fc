// Tests for Storage and its caching allocator (src/core/storage.cpp): every block is 64-byte
// aligned and at least as large as asked with at most 25% slack, freed blocks are reused for
// the same size class, and many live blocks of many sizes never overlap. Small tensors keep
// tensor, storage and data in one block, which must outlive the tensor while shared.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma {
namespace {

bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

const std::vector<std::size_t> kSizes = {0,    1,    63,   64,   65,    100,   4095,  4096,   4097,  5120,
                                         5121, 6000, 8191, 8192, 8193,  10000, 65536, 100000, 1 << 20,
                                         (1 << 20) + 1, 3 << 20};

TEST(StorageTest, BlocksAreAlignedAndBigEnoughWithBoundedSlack) {
  for (std::size_t bytes : kSizes) {
    Storage s(bytes);
    EXPECT_TRUE(aligned64(s.data())) << bytes;
    EXPECT_GE(s.bytes(), std::max<std::size_t>(bytes, 1)) << bytes;
    EXPECT_EQ(s.bytes() % 64, 0u) << bytes;
    EXPECT_LE(double(s.bytes()), std::max(64.0, 1.25 * double(bytes) + 64)) << bytes;
    std::memset(s.data(), 0xAB, s.bytes());  // the whole block is writable
  }
}

TEST(StorageTest, FreedBlockIsReusedForTheSameSizeClass) {
  for (std::size_t bytes : {std::size_t(256), std::size_t(5000), std::size_t(1) << 22}) {
    void* first;
    {
      Storage s(bytes);
      first = s.data();
    }
    Storage again(bytes);
    EXPECT_EQ(again.data(), first) << bytes;
  }
}

TEST(StorageTest, ManyLiveBlocksOfManySizesNeverOverlap) {
  Generator gen(1);
  // Churn first, so that later blocks come from the free lists.
  for (int round = 0; round < 3; ++round) {
    std::vector<std::unique_ptr<Storage>> churn;
    for (int i = 0; i < 300; ++i) churn.push_back(std::make_unique<Storage>(1 + gen.below(200000)));
  }
  std::vector<std::unique_ptr<Storage>> live;
  for (int i = 0; i < 400; ++i) {
    const std::size_t bytes = i % 2 ? 1 + gen.below(5000) : 1 + gen.below(300000);
    live.push_back(std::make_unique<Storage>(bytes));
    ASSERT_TRUE(aligned64(live.back()->data()));
    ASSERT_GE(live.back()->bytes(), bytes);
    std::memset(live.back()->data(), i % 251, live.back()->bytes());
  }
  for (int i = 0; i < int(live.size()); ++i) {
    const auto* p = static_cast<const unsigned char*>(live[i]->data());
    for (std::size_t b = 0; b < live[i]->bytes(); ++b)
      ASSERT_EQ(p[b], i % 251) << "block " << i << " byte " << b << " was overwritten";
  }
  // Free every other block, allocate again over the holes, and check the survivors.
  for (int i = 0; i < int(live.size()); i += 2) live[i] = std::make_unique<Storage>(live[i]->bytes());
  for (int i = 0; i < int(live.size()); i += 2) std::memset(live[i]->data(), 0xEE, live[i]->bytes());
  for (int i = 1; i < int(live.size()); i += 2) {
    const auto* p = static_cast<const unsigned char*>(live[i]->data());
    for (std::size_t b = 0; b < live[i]->bytes(); ++b) ASSERT_EQ(p[b], i % 251) << "block " << i;
  }
}

TEST(StorageTest, PoisonFillsNewStorageWithNaN) {
  detail::set_poison_new_storage(true);
  const Tensor f({100}, DType::f32);
  const Tensor d({100}, DType::f64);
  detail::set_poison_new_storage(false);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(std::isnan(f.data<float>()[i]));
    ASSERT_TRUE(std::isnan(d.data<double>()[i]));
  }
}

TEST(StorageTest, TensorsShareStorageByReferenceCount) {
  Tensor a({8}, DType::f32);
  Storage* s = a.impl()->storage.get();
  EXPECT_EQ(s->use_count(), 1);
  {
    const Tensor view = a.detach();
    EXPECT_EQ(s->use_count(), 2);
  }
  EXPECT_EQ(s->use_count(), 1);
}

TEST(StorageTest, SmallTensorsDataIsAlignedAndTheirOwn) {
  std::vector<Tensor> live;
  for (std::int64_t n = 0; n <= 80; ++n) {
    live.push_back(full({n}, double(n)));
    live.push_back(full({n}, double(n), DType::f64));
  }
  for (const Tensor& t : live) {
    EXPECT_TRUE(aligned64(t.raw_data())) << t.numel();
    EXPECT_GE(t.impl()->storage->bytes(), std::size_t(t.numel()) * size_of(t.dtype()));
    for (std::int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(t.at({i}), double(t.numel()));
  }
}

TEST(StorageTest, SmallTensorsStorageOutlivesTheTensor) {
  // The views and detached copies keep the block (tensor, storage and data) alive after the
  // tensor that made it is gone, here and on other threads.
  std::vector<Tensor> views;
  for (int i = 0; i < 100; ++i) {
    Tensor t = full({i % 60 + 1}, i);
    views.push_back(t.detach());
  }
  std::vector<Tensor> moved(views.begin(), views.begin() + 50);
  views.erase(views.begin(), views.begin() + 50);
  std::thread([&] {
    for (int i = 0; i < 50; ++i) ASSERT_EQ(moved[std::size_t(i)].at({0}), i);
    moved.clear();
  }).join();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(views[std::size_t(i)].at({0}), i + 50);
  views.clear();
  EXPECT_EQ(full({3}, 7).at({2}), 7);
}

}  // namespace
}  // namespace soma
