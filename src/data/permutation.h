// Random permutations for the data layer (private): the DataLoader's shuffle and random_split.
// One definition so that both draw the same way from a Generator.
#pragma once

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "soma/core/generator.h"

namespace soma::data::detail {

/// 0..n-1 in a uniformly random order: Fisher–Yates (Durstenfeld's in-place form), n-1 draws
/// from gen.below, so the result depends only on the generator's state.
inline std::vector<std::int64_t> random_permutation(std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> order(std::size_t(n > 0 ? n : 0));
  std::iota(order.begin(), order.end(), std::int64_t(0));
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.below(std::uint64_t(i) + 1)]);
  return order;
}

}  // namespace soma::data::detail
