// Gymnasium's CliffWalkingEnv._calculate_transition_prob: one outcome per action; into the
// cliff: back to the start with -100, not terminal; onto the goal: -1 and terminal.
#include "soma/rl/cliff_walking.h"

#include <algorithm>

namespace soma::rl {

namespace {
TransitionModel cliff_model() {
  using C = CliffWalking;
  TransitionModel model(std::size_t(C::rows * C::columns), std::vector<std::vector<Transition>>(4));
  for (std::int64_t s = 0; s < C::rows * C::columns; ++s)
    for (std::int64_t a = 0; a < 4; ++a) {
      std::int64_t r = s / C::columns, c = s % C::columns;
      if (a == C::up) r = std::max<std::int64_t>(r - 1, 0);
      if (a == C::right) c = std::min(c + 1, C::columns - 1);
      if (a == C::down) r = std::min(r + 1, C::rows - 1);
      if (a == C::left) c = std::max<std::int64_t>(c - 1, 0);
      const std::int64_t next = r * C::columns + c;
      if (C::cliff(next))
        model[s][a] = {{1.0, C::start, -100.0, false}};
      else
        model[s][a] = {{1.0, next, -1.0, next == C::goal}};
    }
  return model;
}
}  // namespace

CliffWalking::CliffWalking(CliffWalkingOptions options)
    : ModelEnvironment("CliffWalking-v0", cliff_model(), {start}, options.max_episode_steps, options.seed) {}

}  // namespace soma::rl
