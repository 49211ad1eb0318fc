// Intrusive reference counting for tensors' storage, tensors and autograd nodes.
// One allocation per object and a plain pointer's size, unlike std::shared_ptr.
#pragma once

#include <atomic>
#include <utility>

namespace soma {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  int use_count() const { return refs_.load(std::memory_order_relaxed); }
  void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Returns true when this was the last reference.
  bool release() const { return refs_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

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
  /// Gives up ownership without releasing.
  T* detach() { return std::exchange(p_, nullptr); }

 private:
  T* p_ = nullptr;
};

template <class T, class... Args>
Ref<T> make_ref(Args&&... args) { return Ref<T>(new T(std::forward<Args>(args)...)); }

}  // namespace soma
