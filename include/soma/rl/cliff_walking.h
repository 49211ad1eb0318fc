// CliffWalking: Gymnasium's CliffWalking-v0 (gymnasium/envs/toy_text/cliffwalking.py), Sutton
// and Barto's example 6.6. A 4x12 grid; the agent starts at the bottom-left cell (36) and the
// goal is the bottom-right one (47); the cells between them on the bottom row are a cliff.
// Actions up (0), right (1), down (2), left (3); a move into the edge stays put. Every step
// costs -1; stepping into the cliff costs -100 and sends the agent back to the start (the
// episode goes on); reaching the goal terminates. No time limit, as Gymnasium registers it.
// Deterministic moves (Gymnasium 1.0's is_slippery=False). The observation is the cell,
// row * 12 + column, a 0-d int64 tensor.
#pragma once

#include "soma/rl/model_environment.h"

namespace soma::rl {

struct CliffWalkingOptions {
  std::int64_t max_episode_steps = 0;  ///< 0: no limit (Gymnasium's registration)
  std::uint64_t seed = 0;
};

class CliffWalking : public ModelEnvironment {
 public:
  enum Action : std::int64_t { up = 0, right = 1, down = 2, left = 3 };
  static constexpr std::int64_t rows = 4, columns = 12, start = 36, goal = 47;

  explicit CliffWalking(CliffWalkingOptions options = {});
  /// True for the cliff cells, 37..46.
  static bool cliff(std::int64_t state) { return state > start && state < goal; }
};

}  // namespace soma::rl
