// Environment: the world an agent acts in, in Gymnasium's shape. reset() starts an episode and
// gives the first observation; step(action) moves the world on and says what the agent got:
//   rl::CartPole env;
//   Tensor obs = env.reset(42);
//   for (bool done = false; !done;) {
//     auto s = env.step(agent.act(obs));
//     obs = s.observation, done = s.terminated || s.truncated;
//   }
// terminated: the episode reached an end of its own (the pole fell), so the value of what
// follows is 0; truncated: it was cut off (a time limit), so the TD target still bootstraps.
// Environments are seeded and checkpointable: a resumed agent sees the same world.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/shape.h"
#include "soma/core/tensor.h"
#include "soma/rl/raster.h"

namespace soma::rl {

/// The set observations or actions come from (Gymnasium's Discrete and Box).
struct Space {
  enum class Kind { discrete, box };
  Kind kind = Kind::box;
  /// discrete: the values are 0 .. n-1 (a 0-d int64 tensor when it is an observation).
  std::int64_t n = 0;
  /// box: a float32 tensor of this shape, each element within [low[i], high[i]] (one entry per
  /// element; +-infinity where unbounded).
  Shape shape{};
  std::vector<double> low{}, high{};
  /// box: every value is a whole number in 0..255 (pixels), so a replay buffer may keep it as
  /// one byte.
  bool bytes = false;

  static Space discrete(std::int64_t n);
  static Space box(const Shape& shape, std::vector<double> low, std::vector<double> high);
  /// A box of pixels: whole numbers 0..255.
  static Space pixels(const Shape& shape);
  /// Elements per observation (1 for discrete).
  std::int64_t size() const;
};

/// What one step gave.
struct EnvStep {
  Tensor observation;
  double reward = 0;
  bool terminated = false;  ///< the episode ended by itself: no future reward
  bool truncated = false;   ///< cut off by a limit: the state still has a value
};

class Environment {
 public:
  virtual ~Environment() = default;

  /// Gymnasium's id ("CartPole-v1").
  virtual std::string name() const = 0;
  virtual const Space& observation_space() const = 0;
  virtual const Space& action_space() const = 0;

  /// Starts an episode and returns its first observation. With a seed, the environment's
  /// generator is seeded first (Gymnasium's reset(seed=...)); without, it draws on from where it is.
  virtual Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) = 0;
  /// Applies `action`. Throws soma::Error naming the environment for an action outside
  /// action_space(), or a step before reset() or after the episode ended.
  virtual EnvStep step(std::int64_t action) = 0;

  /// A picture of the current state (Gymnasium's render() in "rgb_array" mode): RGB, [H, W, 3].
  /// Wrappers pass it through, so `soma play` can film any environment. The default throws
  /// soma::Error naming the environment: not every world has a picture.
  virtual Frame render() const;

  /// The environment under all wrappers (Gymnasium's env.unwrapped): itself unless it wraps one.
  virtual Environment& unwrapped() { return *this; }
  const Environment& unwrapped() const { return const_cast<Environment*>(this)->unwrapped(); }

  /// The generator reset() (and a slippery world's moves) draw from; checkpointed by its owner.
  virtual Generator& generator() = 0;
  /// Everything else an exact resume needs (the physical state, the step count), as tensors.
  virtual std::map<std::string, Tensor> state_dict() const = 0;
  /// Throws soma::Error naming the environment and the key for a missing or misshapen entry.
  virtual void load_state_dict(const std::map<std::string, Tensor>& state) = 0;
};

}  // namespace soma::rl
