// Fisher–Yates shuffle of 0..n-1 (core/permutation.h).
#include "soma/core/permutation.h"

#include <numeric>
#include <utility>

namespace soma {

std::vector<std::int64_t> random_permutation(std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> order(std::size_t(n > 0 ? n : 0));
  std::iota(order.begin(), order.end(), std::int64_t(0));
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.below(std::uint64_t(i) + 1)]);
  return order;
}

}  // namespace soma
