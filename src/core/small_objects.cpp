// The allocator of RefCounted objects (tensors, storages, graph nodes): per-thread free
// lists by size class, so the steady state of a training loop reuses the blocks its
// previous step freed, with no lock and no call into malloc. A block freed on another
// thread than the one that allocated it simply joins that thread's lists.
#include <new>

#include "soma/core/ref.h"

namespace soma {
namespace {

constexpr std::size_t kGranule = 16;    // size classes: 16, 32, ... 512 bytes
constexpr std::size_t kLargest = 512;   // bigger objects go straight to ::operator new
constexpr std::size_t kClasses = kLargest / kGranule;
constexpr int kKeepPerClass = 256;      // beyond this, freed blocks return to malloc

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so a thread_local access needs no initialization guard.
struct FreeLists {
  FreeBlock* head[kClasses];
  int count[kClasses];
  bool draining;  // a Drain is registered for this thread
  bool closed;    // the thread is exiting: hand blocks back to malloc
};
thread_local FreeLists lists;

// Returns the cached blocks to malloc when the thread exits. Created when a thread first
// keeps a block (a function-local thread_local), so threads that never do pay nothing.
struct Drain {
  ~Drain() {
    lists.closed = true;
    for (std::size_t c = 0; c < kClasses; ++c)
      while (FreeBlock* b = lists.head[c]) {
        lists.head[c] = b->next;
        ::operator delete(b);
      }
  }
};

std::size_t class_of(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

}  // namespace

void* RefCounted::operator new(std::size_t bytes) {
  if (bytes > kLargest) return ::operator new(bytes);
  const std::size_t c = class_of(bytes);
  if (FreeBlock* b = lists.head[c]) {
    lists.head[c] = b->next;
    --lists.count[c];
    return b;
  }
  return ::operator new((c + 1) * kGranule);
}

void RefCounted::operator delete(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t c = class_of(bytes);
  if (bytes > kLargest || lists.closed || lists.count[c] >= kKeepPerClass) return ::operator delete(p);
  if (!lists.draining) [[unlikely]] {
    thread_local Drain drain;
    lists.draining = true;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = lists.head[c];
  lists.head[c] = b;
  ++lists.count[c];
}

}  // namespace soma
