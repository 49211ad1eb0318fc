// Biased reference counts (include/soma/core/ref.h, src/core/ref.cpp): objects used on their
// own thread, handed to other threads and dropped there, shared by many threads at once,
// outliving the thread that made them, and made by threads that come and go.
#include <gtest/gtest.h>
#include <soma/soma.h>

#include <atomic>
#include <thread>
#include <vector>

namespace soma {
namespace {

std::atomic<int> alive{0};

struct Counted : RefCounted {
  Counted() { alive.fetch_add(1); }
  ~Counted() override { alive.fetch_sub(1); }
  int value = 7;
};

// Creating an object lets this thread merge what other threads handed back to it.
void merge_handed_back() { make_ref<Counted>(); }

TEST(Ref, OwnerCountsAndFrees) {
  const int before = alive.load();
  {
    auto a = make_ref<Counted>();
    EXPECT_EQ(a->use_count(), 1);
    Ref<Counted> b = a;
    EXPECT_EQ(a->use_count(), 2);
    b.reset();
    EXPECT_EQ(a->use_count(), 1);
  }
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, DroppedOnAnotherThreadIsFreedByTheOwner) {
  const int before = alive.load();
  auto a = make_ref<Counted>();
  Counted* raw = a.get();
  std::thread([moved = std::move(a)]() mutable { moved.reset(); }).join();
  // The other thread could not know the owner's share: the object waits for its owner.
  EXPECT_EQ(alive.load(), before + 1);
  EXPECT_EQ(raw->value, 7);
  merge_handed_back();
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, CopiesOnOtherThreadsDuringTheOwnersUse) {
  const int before = alive.load();
  {
    auto a = make_ref<Counted>();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([a] {
        for (int i = 0; i < 20000; ++i) {
          Ref<Counted> copy = a;
          ASSERT_EQ(copy->value, 7);
        }
      });
    for (int i = 0; i < 20000; ++i) {
      Ref<Counted> copy = a;
      ASSERT_EQ(copy->value, 7);
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(a->use_count(), 1);  // the captures were handed back and are merged here
  }
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, OwnerDropsItsShareWhileOthersHoldTheObject) {
  const int before = alive.load();
  std::vector<Ref<Counted>> kept(8);
  {
    auto a = make_ref<Counted>();
    for (auto& k : kept) k = a;
  }  // the owner keeps its share in `kept`; now other threads take and drop them
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&kept, t] {
      Ref<Counted> mine = std::move(kept[t]);
      for (int i = 0; i < 1000; ++i) {
        Ref<Counted> copy = mine;
        ASSERT_EQ(copy->value, 7);
      }
    });
  for (auto& t : threads) t.join();
  merge_handed_back();
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, ObjectsOutliveTheThreadThatMadeThem) {
  const int before = alive.load();
  std::vector<Ref<Counted>> made;
  std::vector<Tensor> tensors;
  std::thread([&] {
    for (int i = 0; i < 100; ++i) {
      auto a = make_ref<Counted>();
      made.push_back(a);
      made.push_back(a);
      tensors.push_back(full({i % 7 + 1}, i));
    }
  }).join();
  EXPECT_EQ(alive.load(), before + 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(tensors[i].at({0}), i);
  // Their owner has exited: the thread that drops the last reference frees each one.
  made.clear();
  tensors.clear();
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, ManyShortThreadsHandObjectsAround) {
  // Threads come and go (their records are reused by the next ones) while objects made by
  // earlier threads are still shared and dropped by later ones.
  const int before = alive.load();
  std::vector<Ref<Counted>> pool(64);
  for (auto& p : pool) p = make_ref<Counted>();
  for (int round = 0; round < 20; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&pool, t, round] {
        for (int i = t; i < 64; i += 4) {
          Ref<Counted> old = std::move(pool[i]);
          Ref<Counted> fresh = make_ref<Counted>();
          pool[i] = (i + round) % 3 ? fresh : old;
          Ref<Counted> extra = pool[i];
          ASSERT_EQ(extra->value, 7);
        }
      });
    for (auto& t : threads) t.join();
  }
  pool.clear();
  merge_handed_back();
  EXPECT_EQ(alive.load(), before);
}

TEST(Ref, TensorsCrossThreadsThroughAQueue) {
  // The data loader's pattern: a worker makes tensors, the caller uses and drops them.
  for (int round = 0; round < 3; ++round) {
    std::vector<Tensor> batches;
    std::thread([&] {
      for (int i = 0; i < 200; ++i) batches.push_back(full({4, 8}, i));
    }).join();
    double sum = 0;
    for (auto& b : batches) {
      Tensor view = b.detach();
      sum += view.at({3, 7});
    }
    EXPECT_EQ(sum, 199 * 200 / 2);
    batches.clear();
  }
}

}  // namespace
}  // namespace soma
