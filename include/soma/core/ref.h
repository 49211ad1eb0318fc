// Intrusive reference counting for tensors' storage, tensors and autograd nodes.
// One allocation per object and a plain pointer's size, unlike std::shared_ptr; the
// allocation comes from a per-thread cache of small blocks (src/core/small_objects.cpp).
// The count is biased towards the thread that created the object (src/core/ref.cpp): that
// thread counts with plain loads and stores, every other thread with atomics.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace soma {

namespace detail {
/// The per-thread record behind biased reference counts (src/core/ref.cpp): identifies an
/// object's owning thread and receives the objects other threads hand back to it.
struct RefThread;
/// This thread's record: null before the thread creates its first RefCounted object and
/// after it exits.
extern constinit thread_local RefThread* this_ref_thread;
/// Set by other threads when they hand objects back to this one (see RefCounted).
extern constinit thread_local std::atomic<bool> this_thread_handed_back;
/// Merges the counts of the objects other threads handed back to this thread.
void merge_handed_back();
struct RefThreadState;  // src/core/ref.cpp

/// The per-thread free lists of the RefCounted allocator (src/core/small_objects.cpp),
/// here so that taking and giving back a block is inline.
struct SmallBlocks {
  static constexpr std::size_t kGranule = 16;   // size classes: 16, 32, ... 512 bytes
  static constexpr std::size_t kLargest = 512;  // bigger objects go straight to ::operator new
  static constexpr std::size_t kClasses = kLargest / kGranule;
  static constexpr int kKeepPerClass = 256;     // beyond this, freed blocks return to malloc
  static std::size_t class_of(std::size_t bytes) { return (bytes - 1) / kGranule; }

  void* head[kClasses];  // each free block holds the next one's address
  int count[kClasses];
  bool open;  // the thread's exit handler is registered and has not run: blocks may be kept
};
extern constinit thread_local SmallBlocks small_blocks;
void* small_block_new(std::size_t bytes);                  // an empty list, or a large object
void small_block_delete(void* p, std::size_t bytes) noexcept;  // a full list, or not open
}  // namespace detail

class RefCounted {
 public:
  RefCounted() {
    if (detail::RefThread* me = detail::this_ref_thread) [[likely]] {
      if (detail::this_thread_handed_back.load(std::memory_order_relaxed)) [[unlikely]] detail::merge_handed_back();
      owner_.store(me, std::memory_order_relaxed);
    } else {
      own_without_record();
    }
  }
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  // Every op creates a tensor, its storage and a graph node, and a backward pass frees them
  // in bursts larger than glibc's per-thread cache holds: through malloc a training step of
  // a small network spent a third of its time allocating. These take blocks from a free list
  // of this thread (sized delete: the size is that of the most-derived class).
  // NOTE: blocks are 16-byte aligned; a subclass must not need more.
  static void* operator new(std::size_t bytes) {
    using detail::small_blocks, detail::SmallBlocks;
    if (bytes <= SmallBlocks::kLargest) {
      const std::size_t c = SmallBlocks::class_of(bytes);
      if (void* b = small_blocks.head[c]) [[likely]] {
        small_blocks.head[c] = *static_cast<void**>(b);
        --small_blocks.count[c];
        return b;
      }
    }
    return detail::small_block_new(bytes);
  }
  static void operator delete(void* p, std::size_t bytes) noexcept {
    using detail::small_blocks, detail::SmallBlocks;
    if (p && bytes <= SmallBlocks::kLargest && small_blocks.open) [[likely]] {
      const std::size_t c = SmallBlocks::class_of(bytes);
      if (small_blocks.count[c] < SmallBlocks::kKeepPerClass) [[likely]] {
        *static_cast<void**>(p) = small_blocks.head[c];
        small_blocks.head[c] = p;
        ++small_blocks.count[c];
        return;
      }
    }
    detail::small_block_delete(p, bytes);
  }

  // Biased reference counting (Choi, Shull and Torrellas, PACT 2018; CPython 3.13 counts
  // the same way without its GIL). An atomic read-modify-write costs ~20 cycles here and a
  // training step of a small network makes dozens per op (saved tensors, graph edges, the
  // parameters' nodes): in B1 (XOR) they were a third of the step. Nearly every reference
  // is taken and dropped on the thread that created the object, so that thread, the owner,
  // keeps its share of the count in `local_` with plain loads and stores; any other thread
  // adds to and subtracts from `shared_` atomically. The object dies when both reach zero:
  //  - the owner's share reaching zero with nothing shared frees it at once;
  //  - otherwise the owner gives the object up ("merged"): `shared_` then holds the whole
  //    count, and the thread that takes it to zero frees it;
  //  - another thread dropping a reference while `shared_` is zero cannot know whether the
  //    owner's share is zero too: it hands its reference to the owner ("queued"), which
  //    merges the object the next time it creates one (or when it exits; a thread that has
  //    exited has its objects merged by whoever hands one back). Until then `shared_` may be
  //    negative. So an object freed on another thread than its owner may outlive its last
  //    reference until the owner next creates an object.
  // `shared_` holds count * 4 + state (kShared, kQueued, kMerged).

  /// The number of references (exact when no other thread is adding or dropping one).
  int use_count() const {
    if (detail::this_thread_handed_back.load(std::memory_order_relaxed)) detail::merge_handed_back();
    return int(local_.load(std::memory_order_relaxed)) + (shared_.load(std::memory_order_acquire) >> kStateBits);
  }
  void retain() const {
    if (owned_here()) local_.store(local_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    else shared_.fetch_add(kOne, std::memory_order_relaxed);
  }
  /// Takes the first reference of a newly created object.
  /// NOTE: the first reference must be taken on the thread that created the object.
  void retain_first() const { retain(); }
  /// Drops a reference; returns true when it was the last (the caller then deletes).
  bool release() const {
    if (owned_here()) {
      const std::uint32_t left = local_.load(std::memory_order_relaxed) - 1;
      local_.store(left, std::memory_order_relaxed);
      if (left != 0) return false;
      // Nothing shared: no other thread holds a reference, and the acquire orders the
      // releases of those that held one before the caller's delete.
      if (shared_.load(std::memory_order_acquire) == 0) return true;
      return give_up();
    }
    return release_shared();
  }

 private:
  friend struct detail::RefThreadState;

  static constexpr int kStateBits = 2;
  static constexpr std::int32_t kOne = 1 << kStateBits;
  static constexpr std::int32_t kShared = 0, kQueued = 1, kMerged = 2, kStateMask = kOne - 1;

  // The first object of a thread makes the thread's record; one made while the thread
  // exits is created merged (owned by no thread).
  void own_without_record();
  bool owned_here() const {
    return owner_.load(std::memory_order_relaxed) == detail::this_ref_thread;
  }
  bool give_up() const;         // the owner's share reached zero with a shared count left
  bool release_shared() const;  // a reference dropped on another thread than the owner
  bool hand_back() const;       // gives the reference to the owner, or merges if it has exited
  /// Folds `local_` into `shared_` (plus `extra`), marks the object merged and returns the
  /// whole count. Only the owner may call it, or anyone once the owner has exited.
  int merge(int extra) const;

  // The owner, never null: an object the owner gave up points to a record no thread has.
  mutable std::atomic<detail::RefThread*> owner_;
  mutable std::atomic<std::uint32_t> local_{0};  // written by the owner only
  mutable std::atomic<std::int32_t> shared_{0};
};

/// A counted pointer to a RefCounted object; null by default.
template <class T>
class Ref {
 public:
  Ref() = default;
  Ref(std::nullptr_t) {}
  explicit Ref(T* p) : p_(p) { if (p_) p_->retain(); }
  Ref(const Ref& o) : p_(o.p_) { if (p_) p_->retain(); }
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U>
  Ref(Ref<U> o) : p_(o.detach()) {}
  ~Ref() { reset(); }
  Ref& operator=(Ref o) noexcept { std::swap(p_, o.p_); return *this; }

  void reset() { if (p_ && p_->release()) delete p_; p_ = nullptr; }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  /// Owns a newly created object (see RefCounted::retain_first): Ref<Node>::adopt_new(new Node).
  static Ref adopt_new(T* p) {
    Ref r;
    r.p_ = p;
    p->retain_first();
    return r;
  }
  /// Gives up ownership without releasing.
  T* detach() { return std::exchange(p_, nullptr); }

 private:
  T* p_ = nullptr;
};

template <class T, class... Args>
Ref<T> make_ref(Args&&... args) { return Ref<T>::adopt_new(new T(std::forward<Args>(args)...)); }

}  // namespace soma
