// Random permutations drawn from a Generator: the DataLoader's shuffle, random_split, the RBM's
// epoch order and the benchmarks' all draw through this one definition, so they draw alike.
#pragma once

#include <cstdint>
#include <vector>

#include "soma/core/generator.h"

namespace soma {

/// 0..n-1 in a uniformly random order: Fisher–Yates (Durstenfeld's in-place form), n-1 draws
/// from gen.below, so the result depends only on the generator's state. Empty for n <= 0.
std::vector<std::int64_t> random_permutation(std::int64_t n, Generator& gen);

}  // namespace soma
