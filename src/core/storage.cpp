// The caching allocator behind Storage. Freed blocks go to a free list by size class and are
// handed out again: on this class of VM a freshly touched 4 KiB page costs ~10 us, and glibc
// returns large freed blocks to the kernel, so without a cache every training step would
// fault its activations in anew. Classes: multiples of 64 B up to 4 KiB, then four per
// power of two (at most 25% slack). Small blocks (up to 4 KiB) first go through a per-thread
// front with no lock: small networks create and free a dozen tensors per step, and the
// shared cache's mutex alone was 7% of a training step of B1 (XOR).
#include <atomic>
#include <bit>
#include <cstring>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "soma/core/allocator_stats.h"
#include "soma/core/tensor.h"

namespace soma {
namespace {

constexpr std::size_t kAlign = 64;
constexpr std::size_t kSmall = 4096;
constexpr std::size_t kMaxCachedBytes = std::size_t(4) << 30;

// Rounds `bytes` up to its class size.
std::size_t class_size(std::size_t bytes) {
  if (bytes <= kSmall) return (bytes + kAlign - 1) / kAlign * kAlign;
  const int top = std::bit_width(bytes - 1) - 1;  // 2^top < bytes <= 2^(top+1)
  const std::size_t quarter = std::size_t(1) << (top - 2);
  return (bytes + quarter - 1) / quarter * quarter;
}

int class_index(std::size_t size) {
  if (size <= kSmall) return int(size / kAlign);
  const int top = std::bit_width(size - 1) - 1;
  const std::size_t quarter = std::size_t(1) << (top - 2);
  return int(kSmall / kAlign) + 1 + (top - 12) * 4 + int((size - (std::size_t(1) << top)) / quarter) - 1;
}

class BlockCache {
 public:
  void* take(std::size_t size) {
    const int c = class_index(size);
    {
      std::lock_guard lock(mutex_);
      if (c < int(free_.size()) && !free_[c].empty()) {
        void* p = free_[c].back();
        free_[c].pop_back();
        cached_ -= size;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlign, size);
    if (!p) throw std::bad_alloc();
    fresh_blocks_.fetch_add(1, std::memory_order_relaxed);
    return p;
  }

  void give(void* p, std::size_t size) {
    const int c = class_index(size);
    std::lock_guard lock(mutex_);
    if (cached_ + size > kMaxCachedBytes) {
      std::free(p);
      return;
    }
    if (c >= int(free_.size())) free_.resize(c + 1);
    free_[c].push_back(p);
    cached_ += size;
  }

  std::uint64_t fresh_blocks() const { return fresh_blocks_.load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  std::vector<std::vector<void*>> free_;
  std::size_t cached_ = 0;
  std::atomic<std::uint64_t> fresh_blocks_{0};  // blocks taken from the system, not the cache
};

BlockCache& cache() {
  static auto* c = new BlockCache;  // never destroyed: tensors may outlive static destructors
  return *c;
}

// The per-thread front for the small classes: a few blocks of each, taken and given without
// a lock; overflow and a thread's leftovers at exit go to the shared cache.
constexpr int kSmallClasses = int(kSmall / kAlign) + 1;
constexpr int kKeepPerClass = 16;

struct SmallBlocks {  // trivially destructible: a thread_local access needs no guard
  void* blocks[kSmallClasses][kKeepPerClass];
  int count[kSmallClasses];
  bool draining;  // a Drain is registered for this thread
  bool closed;    // the thread is exiting
};
thread_local SmallBlocks small_blocks;

struct Drain {
  ~Drain() {
    small_blocks.closed = true;
    for (int c = 0; c < kSmallClasses; ++c)
      while (small_blocks.count[c] > 0)
        cache().give(small_blocks.blocks[c][--small_blocks.count[c]], std::size_t(c) * kAlign);
  }
};

void* take_block(std::size_t size) {
  if (size <= kSmall) {
    const int c = class_index(size);
    if (small_blocks.count[c] > 0) return small_blocks.blocks[c][--small_blocks.count[c]];
  }
  return cache().take(size);
}

void give_block(void* p, std::size_t size) {
  if (size <= kSmall && !small_blocks.closed) {
    const int c = class_index(size);
    if (small_blocks.count[c] < kKeepPerClass) {
      if (!small_blocks.draining) [[unlikely]] {
        thread_local Drain drain;
        small_blocks.draining = true;
      }
      small_blocks.blocks[c][small_blocks.count[c]++] = p;
      return;
    }
  }
  cache().give(p, size);
}

std::atomic<bool> poison_new_storage{false};

}  // namespace

void detail::set_poison_new_storage(bool on) { poison_new_storage = on; }

std::uint64_t detail::storage_blocks_from_system() { return cache().fresh_blocks(); }

Storage::Storage(std::size_t bytes) : bytes_(class_size(bytes == 0 ? 1 : bytes)), owns_block_(true) {
  data_ = take_block(bytes_);
  if (poison_new_storage.load(std::memory_order_relaxed)) [[unlikely]]
    std::memset(data_, 0xFF, bytes_);  // all-ones bytes are NaN in float32 and float64
}

inline Storage::Storage(Inline, std::size_t bytes, void* data) : data_(data), bytes_(bytes), owns_block_(false) {
  if (poison_new_storage.load(std::memory_order_relaxed)) [[unlikely]] std::memset(data_, 0xFF, bytes_);
}

Storage::~Storage() {
  if (owns_block_) give_block(data_, bytes_);
}

namespace {

// A new small tensor in one block: the Storage, its TensorImpl and the data. Small networks
// create a dozen tensors per step, each a TensorImpl, a Storage and a data block; as one
// allocation, creating and freeing one costs about half as much. The block is the storage's:
// the TensorImpl, placement-constructed inside it, holds a reference to it like any tensor,
// and only drops it once destroyed (its destroying delete), so the block outlives it and is
// freed with the storage's last reference, which views and detached copies may hold longer.
class FusedTensor final : public TensorImpl {
 public:
  using TensorImpl::TensorImpl;
  // Frees no memory: the block belongs to the storage.
  static void operator delete(FusedTensor* p, std::destroying_delete_t) {
    Ref<Storage> block = std::move(p->storage);
    p->~FusedTensor();
  }  // `block` drops the reference here
};

// `Bytes` of data after up to kAlign - 16 bytes of padding (RefCounted's blocks are 16-byte
// aligned, and so are the arrays). Three sizes, so that a 20-float tensor does not take the
// largest block.
template <std::size_t Bytes>
class TensorBlock final : public Storage {
 public:
  static_assert(sizeof(FusedTensor) % 16 == 0);

  // A tensor of `shape` whose storage of `bytes` (at most Bytes) is a new block.
  static Ref<TensorImpl> make(std::size_t bytes, const Shape& shape, DType dtype) {
    auto* block = new TensorBlock(bytes);
    auto* impl = ::new (block->impl_) FusedTensor(Ref<Storage>::adopt_new(block), 0, shape, dtype);
    return Ref<TensorImpl>::adopt_new(impl);
  }

 private:
  explicit TensorBlock(std::size_t bytes) : Storage(Inline{}, bytes, aligned(data_)) {}
  static void* aligned(unsigned char* p) {
    return reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(p) + kAlign - 1) & ~std::uintptr_t(kAlign - 1));
  }
  alignas(16) unsigned char impl_[sizeof(FusedTensor)];
  alignas(16) unsigned char data_[Bytes + kAlign - 16];
};

}  // namespace

// Here rather than in tensor.cpp, beside the allocator: every op creates its output through
// this constructor, and the blocks' code inlines into it.
Tensor::Tensor(const Shape& shape, DType dtype) {
  const std::size_t bytes = std::size_t(shape.numel()) * size_of(dtype);
  const std::size_t size = class_size(bytes == 0 ? 1 : bytes);
  if (size <= 64) impl_ = TensorBlock<64>::make(size, shape, dtype);
  else if (size <= 128) impl_ = TensorBlock<128>::make(size, shape, dtype);
  else if (size <= 256) impl_ = TensorBlock<256>::make(size, shape, dtype);
  else impl_ = make_ref<TensorImpl>(make_ref<Storage>(bytes), 0, shape, dtype);
}

}  // namespace soma
