// SumTree: a complete binary tree over a power-of-two number of leaves; setting a leaf
// recomputes the sums and minima on its path to the root (recomputed, not adjusted by the
// difference, so rounding errors do not pile up over millions of updates).
#include "soma/rl/sum_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "soma/core/error.h"

namespace soma::rl {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

SumTree::SumTree(std::int64_t capacity) : capacity_(capacity), leaves_(1) {
  SOMA_CHECK(capacity >= 1, "SumTree: capacity must be >= 1, got ", capacity);
  while (leaves_ < capacity) leaves_ *= 2;
  sum_.assign(2 * leaves_, 0.0);
  min_.assign(2 * leaves_, kInf);
}

void SumTree::set(std::int64_t i, double priority) {
  SOMA_CHECK(i >= 0 && i < capacity_, "SumTree: index ", i, " is outside [0, ", capacity_, ")");
  SOMA_CHECK(priority >= 0 && std::isfinite(priority), "SumTree: priority of ", i,
             " must be finite and >= 0, got ", priority);
  std::int64_t node = leaves_ + i;
  sum_[node] = priority;
  min_[node] = priority > 0 ? priority : kInf;
  for (node /= 2; node >= 1; node /= 2) {
    sum_[node] = sum_[2 * node] + sum_[2 * node + 1];
    min_[node] = std::min(min_[2 * node], min_[2 * node + 1]);
  }
}

std::int64_t SumTree::find(double mass) const {
  SOMA_CHECK(total() > 0, "SumTree: find on a tree whose priorities are all 0");
  std::int64_t node = 1;
  while (node < leaves_) {
    const std::int64_t left = 2 * node;
    // Go right when the mass lies past the left subtree, or when the left one is empty (a
    // mass at the total, from rounding, must still end on a positive leaf).
    if (mass >= sum_[left] && sum_[left + 1] > 0) {
      mass -= sum_[left];
      node = left + 1;
    } else if (sum_[left] > 0) {
      node = left;
    } else {
      node = left + 1;
    }
  }
  return node - leaves_;
}

}  // namespace soma::rl
