// FrozenLake: Gymnasium's grid world (gymnasium/envs/toy_text/frozen_lake.py), the 4x4 map
//   SFFF      S start, F frozen, H hole, G goal
//   FHFH
//   FFFH
//   HFFG
// The agent moves left (0), down (1), right (2) or up (3); a move into the edge stays put. On
// slippery ice the intended move happens with probability 1/3 and each perpendicular one with
// 1/3. Reward 1 on reaching the goal, 0 otherwise; the episode terminates in a hole or at the
// goal and is truncated after 100 steps (Gymnasium's registration of FrozenLake-v1). The
// observation is the cell, row * columns + column, a 0-d int64 tensor.
#pragma once

#include <string>
#include <vector>

#include "soma/rl/model_environment.h"

namespace soma::rl {

struct FrozenLakeOptions {
  std::vector<std::string> map = {"SFFF", "FHFH", "FFFH", "HFFG"};  ///< rows of S, F, H, G
  bool slippery = true;
  std::int64_t max_episode_steps = 100;
  std::uint64_t seed = 0;  ///< the generator's seed before any reset(seed)
};

class FrozenLake : public ModelEnvironment {
 public:
  enum Action : std::int64_t { left = 0, down = 1, right = 2, up = 3 };

  /// Throws soma::Error for a map that is empty, not rectangular, has letters other than S, F,
  /// H, G, or no S; or for max_episode_steps < 1.
  explicit FrozenLake(FrozenLakeOptions options = {});

  std::int64_t rows() const { return std::int64_t(options_.map.size()); }
  std::int64_t columns() const { return std::int64_t(options_.map[0].size()); }
  /// The letter of a cell: 'S', 'F', 'H' or 'G'.
  char cell(std::int64_t state) const { return options_.map[state / columns()][state % columns()]; }

 private:
  FrozenLakeOptions options_;
};

}  // namespace soma::rl
