// SumTree: priorities p_i in a binary tree whose inner nodes hold the sums (and minima) of
// their children, so proportional sampling, P(i) = p_i / sum_k p_k, and a priority update each
// take O(log n): the structure behind prioritized replay (Schaul et al. 2016, appendix B.2.1).
#pragma once

#include <cstdint>
#include <vector>

namespace soma::rl {

/// n priorities, all 0 at first. A priority of 0 means "absent": it is never found and does not
/// count in min().
///   rl::SumTree tree(4);
///   tree.set(2, 3.0);
///   std::int64_t i = tree.find(u * tree.total());   // i with probability p_i / total
class SumTree {
 public:
  /// Throws soma::Error for capacity < 1.
  explicit SumTree(std::int64_t capacity);

  std::int64_t capacity() const { return capacity_; }
  /// Sets p_i (>= 0, finite). Throws soma::Error naming i and the value otherwise.
  void set(std::int64_t i, double priority);
  double get(std::int64_t i) const { return sum_[leaves_ + i]; }
  /// The sum of all priorities.
  double total() const { return sum_[1]; }
  /// The smallest positive priority (+infinity when all are 0).
  double min() const { return min_[1]; }
  /// The first i whose prefix sum p_0 + ... + p_i exceeds `mass`, for mass in [0, total());
  /// a mass at or past the total (rounding) gives the last positive entry. Never an entry of
  /// priority 0. Throws soma::Error when total() is 0.
  std::int64_t find(double mass) const;

  /// The nodes in heap order (1 is the root, node k has children 2k and 2k+1, leaves from
  /// leaves()), for checkpoints and tests.
  const std::vector<double>& sums() const { return sum_; }
  std::int64_t leaves() const { return leaves_; }

 private:
  std::int64_t capacity_, leaves_;  // leaves_: capacity rounded up to a power of two
  std::vector<double> sum_, min_;
};

}  // namespace soma::rl
