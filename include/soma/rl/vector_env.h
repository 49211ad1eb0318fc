// VectorEnv: N copies of an environment stepped in one call, observations batched [N, ...] for a
// network (Gymnasium's SyncVectorEnv). Copy i is seeded with seed + i. An episode that ends is
// restarted the way Gymnasium 1.x does by default (AutoresetMode.NEXT_STEP): the step that ends it
// returns its last observation and the terminated/truncated flags; the *next* step of that copy
// ignores its action, resets it and returns the first observation of the new episode with
// reward 0 and both flags false. So a learner never stores the transition from a last
// observation to a first one: it skips the step after an end.
//   rl::VectorEnv envs([] { return std::make_unique<rl::CartPole>(); }, 8);
//   Tensor obs = envs.reset(42);                      // [8, 4]
//   rl::VectorStep s = envs.step(actions);            // s.observations [8, 4], s.rewards[i], ...
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "soma/rl/environment.h"

namespace soma::rl {

struct VectorStep {
  Tensor observations;  ///< [N, ...] in the single observation's dtype
  std::vector<double> rewards;
  std::vector<bool> terminated, truncated;
};

class VectorEnv {
 public:
  /// Throws soma::Error for no environments, a null one, or copies whose spaces differ.
  explicit VectorEnv(std::vector<std::unique_ptr<Environment>> envs);
  /// `n` environments made by `make`.
  VectorEnv(const std::function<std::unique_ptr<Environment>()>& make, std::int64_t n);

  std::int64_t size() const { return std::int64_t(envs_.size()); }
  /// One copy's spaces (all are the same).
  const Space& single_observation_space() const { return envs_[0]->observation_space(); }
  const Space& single_action_space() const { return envs_[0]->action_space(); }

  /// Resets every copy (copy i with seed + i when seeded) and returns the observations [N, ...].
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt);
  /// Steps copy i with actions[i], or restarts it when its episode ended on the step before.
  /// Throws soma::Error for a number of actions other than size() or a step before reset().
  VectorStep step(std::span<const std::int64_t> actions);

  Environment& env(std::int64_t i) { return *envs_.at(std::size_t(i)); }
  /// Every copy's state under "<i>." plus which copies restart on the next step; the copies'
  /// generators are checkpointed by the owner, as env(i).generator().
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  Tensor batch(const std::vector<Tensor>& observations) const;

  std::vector<std::unique_ptr<Environment>> envs_;
  std::vector<bool> restart_;  ///< the copy's episode ended: the next step resets it
  bool started_ = false;
};

}  // namespace soma::rl
