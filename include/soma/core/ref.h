// Intrusive reference counting for tensors' storage, tensors and autograd nodes.
// One allocation per object and a plain pointer's size, unlike std::shared_ptr; the
// allocation comes from a per-thread cache of small blocks (src/core/small_objects.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace soma {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  // Every op creates a tensor, its storage and a graph node, and a backward pass frees them
  // in bursts larger than glibc's per-thread cache holds: through malloc a training step of
  // a small network spent a third of its time allocating. These take blocks from a free list
  // of this thread (sized delete: the size is that of the most-derived class).
  // NOTE: blocks are 16-byte aligned; a subclass must not need more.
  static void* operator new(std::size_t bytes);
  static void operator delete(void* p, std::size_t bytes) noexcept;

  // An atomic read-modify-write costs ~20 cycles on the CPUs we measure, and a training step
  // of a small network makes hundreds: in B1 (XOR) they were half of Tensor creation's time.
  // The two cases below need none, and they are the common ones (fresh temporaries).

  int use_count() const { return refs_.load(std::memory_order_relaxed); }
  void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Takes the first reference of a newly created object, which no other thread can see
  /// yet: a plain store suffices.
  void retain_first() const { refs_.store(1, std::memory_order_relaxed); }
  /// Returns true when this was the last reference. The sole owner skips the atomic
  /// decrement: while it holds its reference no other thread can add or drop one, and the
  /// acquire load orders their earlier releases before the caller's delete.
  bool release() const {
    if (refs_.load(std::memory_order_acquire) == 1) return true;
    return refs_.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }

 private:
  mutable std::atomic<int> refs_{0};
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
