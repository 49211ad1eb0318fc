// The allocator of RefCounted objects (tensors, storages, graph nodes): per-thread free
// lists by size class, so the steady state of a training loop reuses the blocks its
// previous step freed, with no lock and no call into malloc. A block freed on another
// thread than the one that allocated it simply joins that thread's lists. The fast paths
// (a list has a block, or room for one) are inline in ref.h; these are the rest.
#include <new>

#include "soma/core/ref.h"

namespace soma::detail {

constinit thread_local SmallBlocks small_blocks{};

namespace {

// Trivially destructible, so a thread_local access needs no initialization guard.
constinit thread_local bool small_blocks_closed = false;  // the thread is exiting

// Returns the cached blocks to malloc when the thread exits. Created when a thread first
// keeps a block (a function-local thread_local), so threads that never do pay nothing.
struct Drain {
  ~Drain() {
    small_blocks.open = false;
    small_blocks_closed = true;
    for (std::size_t c = 0; c < SmallBlocks::kClasses; ++c)
      while (void* b = small_blocks.head[c]) {
        small_blocks.head[c] = *static_cast<void**>(b);
        ::operator delete(b);
      }
  }
};

}  // namespace

void* small_block_new(std::size_t bytes) {
  if (bytes > SmallBlocks::kLargest) return ::operator new(bytes);
  return ::operator new((SmallBlocks::class_of(bytes) + 1) * SmallBlocks::kGranule);
}

void small_block_delete(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes > SmallBlocks::kLargest || small_blocks_closed) return ::operator delete(p);
  const std::size_t c = SmallBlocks::class_of(bytes);
  if (!small_blocks.open) {  // this thread's first block kept: register the exit handler
    thread_local Drain drain;
    small_blocks.open = true;
  }
  if (small_blocks.count[c] >= SmallBlocks::kKeepPerClass) return ::operator delete(p);
  *static_cast<void**>(p) = small_blocks.head[c];
  small_blocks.head[c] = p;
  ++small_blocks.count[c];
}

}  // namespace soma::detail
