// The slow paths of biased reference counting (include/soma/core/ref.h): the per-thread
// records, an owner giving up an object, references dropped on other threads and handed back
// to the owner, and thread exit. The fast paths (the owner's plain count) are inline in ref.h.
// Records are never freed: an object keeps pointing at its owner's record after the owner
// exits, so a record of an exited thread is handed to the next new thread instead.
#include <mutex>
#include <vector>

#include "soma/core/ref.h"

namespace soma {
namespace detail {

constinit thread_local RefThread* this_ref_thread = nullptr;
constinit thread_local std::atomic<bool> this_thread_handed_back{false};

struct RefThread {};

struct RefThreadState : RefThread {
  std::mutex mutex;
  bool alive = false;                     // a thread owns this record (under mutex)
  std::vector<const RefCounted*> handed;  // references handed back by other threads (under mutex)
  // The owner's this_thread_handed_back, while alive: a thread_local is trivially destructible
  // and outlives the owner's exit handler, which ends `alive` under the mutex.
  std::atomic<bool>* handed_back = nullptr;

  // Drops the queue's reference of each object in `objects`, this thread being their owner
  // or theirs having exited: merged, and freed when that was the last.
  static void merge_and_free(const std::vector<const RefCounted*>& objects) {
    for (const RefCounted* object : objects)
      if (object->merge(-1) == 0) delete object;
  }

  static bool hand_back(const RefCounted* object);
  static void retire(RefThreadState* record);
};

namespace {

// The owner of objects that no thread owns: given up, or made while their thread exited.
// Never alive, so a reference handed back to it is merged on the spot.
RefThreadState& nobody() {
  static auto* record = new RefThreadState;
  return *record;
}

std::mutex& records_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<RefThreadState*>& idle_records() {  // of exited threads (under records_mutex)
  static auto* records = new std::vector<RefThreadState*>;
  return *records;
}

constinit thread_local bool thread_exited = false;

// Retires this thread's record when the thread exits (a thread_local's destructor).
struct ThreadExit {
  ~ThreadExit() {
    auto* record = static_cast<RefThreadState*>(this_ref_thread);
    this_ref_thread = nullptr;  // from here on, this thread counts like any other
    thread_exited = true;
    RefThreadState::retire(record);
  }
};

RefThread* make_this_ref_thread() {
  if (thread_exited) return nullptr;
  RefThreadState* record = nullptr;
  {
    std::lock_guard lock(records_mutex());
    if (!idle_records().empty()) {
      record = idle_records().back();
      idle_records().pop_back();
    }
  }
  if (!record) record = new RefThreadState;
  {
    // Under the record's mutex: an exited owner's objects are merged by other threads under
    // it, so those merges are complete before this thread starts counting them as their owner.
    std::lock_guard lock(record->mutex);
    record->alive = true;
    record->handed_back = &this_thread_handed_back;
  }
  thread_local ThreadExit exit;
  this_ref_thread = record;
  return record;
}

}  // namespace

bool RefThreadState::hand_back(const RefCounted* object) {
  auto* owner = static_cast<RefThreadState*>(object->owner_.load(std::memory_order_relaxed));
  std::unique_lock lock(owner->mutex);
  if (owner->alive) {
    owner->handed.push_back(object);
    owner->handed_back->store(true, std::memory_order_relaxed);  // the owner then takes the mutex
    return false;
  }
  // The owner has exited (or gave the object up meanwhile): nobody counts in local_ any more.
  const int count = object->merge(-1);
  lock.unlock();
  return count == 0;
}

void RefThreadState::retire(RefThreadState* record) {
  std::vector<const RefCounted*> handed;
  {
    std::lock_guard lock(record->mutex);
    record->alive = false;
    handed.swap(record->handed);
    record->handed_back->store(false, std::memory_order_relaxed);
    record->handed_back = nullptr;
  }
  merge_and_free(handed);
  std::lock_guard lock(records_mutex());
  idle_records().push_back(record);
}

void merge_handed_back() {
  auto* record = static_cast<RefThreadState*>(this_ref_thread);
  if (!record) return;  // exited: what other threads hand back now, they merge themselves
  std::vector<const RefCounted*> handed;
  {
    std::lock_guard lock(record->mutex);
    handed.swap(record->handed);
    this_thread_handed_back.store(false, std::memory_order_relaxed);
  }
  RefThreadState::merge_and_free(handed);
}

}  // namespace detail

void RefCounted::own_without_record() {
  if (detail::RefThread* me = detail::make_this_ref_thread()) {
    owner_.store(me, std::memory_order_relaxed);
  } else {
    owner_.store(&detail::nobody(), std::memory_order_relaxed);
    shared_.store(kMerged, std::memory_order_relaxed);
  }
}

bool RefCounted::give_up() const {
  owner_.store(&detail::nobody(), std::memory_order_relaxed);
  std::int32_t shared = shared_.load(std::memory_order_relaxed), merged;
  do {
    merged = (shared & ~kStateMask) | kMerged;
  } while (!shared_.compare_exchange_weak(shared, merged, std::memory_order_acq_rel, std::memory_order_relaxed));
  return merged == kMerged;  // a count of zero
}

bool RefCounted::release_shared() const {
  std::int32_t shared = shared_.load(std::memory_order_relaxed), next;
  bool hand = false;
  do {
    // A shared count of zero, not merged: this reference was counted by the owner.
    hand = shared == kShared;
    next = hand ? kQueued : shared - kOne;
  } while (!shared_.compare_exchange_weak(shared, next, std::memory_order_acq_rel, std::memory_order_relaxed));
  if (hand) return detail::RefThreadState::hand_back(this);
  return next == kMerged;
}

int RefCounted::merge(int extra) const {
  std::int32_t shared = shared_.load(std::memory_order_relaxed);
  int count = 0;
  do {
    count = (shared >> kStateBits) + int(local_.load(std::memory_order_relaxed)) + extra;
  } while (!shared_.compare_exchange_weak(shared, count * kOne | kMerged, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
  local_.store(0, std::memory_order_relaxed);
  owner_.store(&detail::nobody(), std::memory_order_relaxed);
  return count;
}

}  // namespace soma
