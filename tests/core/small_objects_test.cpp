// The per-thread block caches behind tensors, storages and graph nodes (src/core/small_objects.cpp
// and the small-block front of src/core/storage.cpp): blocks are reused, may be freed on another
// thread than the one that allocated them, and survive the exit of threads that cached them.
#include <gtest/gtest.h>
#include <soma/soma.h>

#include <thread>
#include <vector>

namespace soma {
namespace {

struct Small : RefCounted {
  char bytes[40];
};
struct Large : RefCounted {  // above the cached sizes: plain operator new
  char bytes[2000];
};

TEST(SmallObjects, FreedBlockIsReusedForTheNextObjectOfItsSize) {
  void* first = nullptr;
  {
    auto a = make_ref<Small>();
    first = a.get();
  }
  auto b = make_ref<Small>();
  EXPECT_EQ(b.get(), first);
  auto big = make_ref<Large>();  // must work too, outside the cache
  big->bytes[1999] = 1;
}

TEST(SmallObjects, ObjectsAndTensorsCanDieOnAnotherThread) {
  std::vector<Ref<Small>> objects;
  std::vector<Tensor> tensors;
  for (int i = 0; i < 1000; ++i) {
    objects.push_back(make_ref<Small>());
    tensors.push_back(full({i % 50 + 1}, i));
  }
  std::thread([&] {
    objects.clear();
    tensors.clear();
  }).join();  // the worker exits holding cached blocks, which go back to the shared pools
  for (int i = 0; i < 1000; ++i) {
    Tensor t = full({i % 50 + 1}, 2.0 * i);
    EXPECT_EQ(t.at({0}), 2.0 * i);
  }
}

TEST(SmallObjects, ThreadsCopyingOneTensorKeepItAlive) {
  // Exercises Ref's shortcut for a sole owner: a count seen as 1 must really mean alone.
  Tensor shared = arange(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([shared] {
      for (int i = 0; i < 20000; ++i) {
        Tensor copy = shared;
        Tensor view = copy.detach();
        ASSERT_EQ(view.at({63}), 63);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(shared.impl()->use_count(), 1);
  EXPECT_EQ(shared.at({5}), 5);
}

}  // namespace
}  // namespace soma
