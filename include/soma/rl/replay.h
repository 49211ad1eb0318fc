// ReplayBuffer: the transitions (s, a, r, s', terminated) an off-policy agent learns from,
// in preallocated storage, sampled uniformly or by priority (Schaul et al. 2016).
// Observations are stored as frames in one ring, each frame once: s' of a step is s of the
// next one, and of a stack of k frames [k, H, W] only the newest frame is new at each step,
// so a step costs one frame, not 2k (see docs/rl.md, "Replay"). Pixel observations (a Space
// with `bytes`) are kept as one byte per value, others as float32.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"
#include "soma/rl/environment.h"
#include "soma/rl/sum_tree.h"

namespace soma::rl {

struct ReplayOptions {
  std::int64_t capacity = 100000;  ///< transitions kept (>= 1); the oldest leave first
  std::uint64_t seed = 0;          ///< seeds the sampling generator
  /// Frames per observation, k: an observation is k frames along its first axis, of which a
  /// frame-stacked observation shares k - 1 with the one before. 0 (default): the first axis
  /// of a 3-D pixel observation ([k, H, W] from a frame stack), else 1 (the whole observation
  /// is one frame). Shared frames are found by comparing values, so any k is correct; it only
  /// decides what can be shared.
  std::int64_t frames = 0;
  /// Prioritized replay: sample transition i with probability p_i / sum_k p_k, where
  /// p_i = (|delta_i| + priority_epsilon)^alpha after update_priorities, and the largest
  /// priority so far for a new transition. Default false: uniform.
  bool prioritized = false;
  double alpha = 0.6;              ///< how much the priorities count (0: uniform), >= 0
  double beta = 0.4;               ///< importance-sampling exponent at the start, in [0, 1]
  /// sample() calls over which beta grows linearly to 1 (0: beta stays as given).
  std::int64_t beta_steps = 0;
  double priority_epsilon = 1e-6;  ///< keeps every priority positive, > 0
};

/// A batch of B transitions. Observations come back as float32 with the values they were
/// added with (a byte-stored pixel as 0..255).
struct ReplaySample {
  Tensor observations;       ///< float32 [B, observation shape...]
  Tensor actions;            ///< int64 [B]
  Tensor rewards;            ///< float32 [B]
  Tensor next_observations;  ///< float32 [B, observation shape...]
  Tensor terminated;         ///< float32 [B]: 1 where s' ended the episode by itself (no bootstrap)
  /// float32 [B]: importance-sampling weights (N P(i))^-beta / max_j (N P(j))^-beta, the max
  /// over every stored transition; all 1 for uniform sampling.
  Tensor weights;
  std::vector<std::int64_t> ids;  ///< the transitions' ids, for update_priorities
};

/// A ring of transitions, each with an id: the number of transitions added before it. The
/// stored ones are ids oldest() .. added() - 1.
///   rl::ReplayBuffer replay(env.observation_space(), {.capacity = 50000, .seed = 1});
///   replay.add(obs, action, step.reward, step.observation, step.terminated, step.truncated);
///   auto batch = replay.sample(64);
/// Episode boundaries: add() continues the stored sequence when `observation` equals the last
/// transition's next observation and that transition did not end its episode; otherwise it
/// starts a new sequence (stores `observation`'s frames). A truncated episode's last
/// next_observation is kept, so its TD target can bootstrap from it.
class ReplayBuffer {
 public:
  /// Throws soma::Error for a discrete observation space, bad options, or `frames` > 1 that is
  /// not the first axis of the observation shape.
  explicit ReplayBuffer(const Space& observation_space, ReplayOptions options = {});

  /// Stores one transition; when full, the oldest leaves. A truncated transition is stored like
  /// any other (terminated false). Throws soma::Error for observations of another shape.
  void add(const Tensor& observation, std::int64_t action, double reward, const Tensor& next_observation,
           bool terminated, bool truncated);
  /// B transitions drawn with replacement: uniformly, or by priority (advancing beta).
  /// Throws soma::Error when the buffer is empty or batch_size < 1.
  ReplaySample sample(std::int64_t batch_size);
  /// The stored transitions `ids` (weights 1), in that order. Throws for an id not stored.
  ReplaySample get(std::span<const std::int64_t> ids) const;
  /// Prioritized replay: p_i = (|td_errors[j]| + epsilon)^alpha for ids[j]. Ids no longer
  /// stored are skipped. Throws soma::Error when not prioritized, for different lengths or a
  /// non-finite error.
  void update_priorities(std::span<const std::int64_t> ids, std::span<const double> td_errors);

  std::int64_t size() const { return added_ - oldest_; }  ///< transitions stored
  std::int64_t capacity() const { return options_.capacity; }
  std::int64_t added() const { return added_; }    ///< transitions added since the start
  std::int64_t oldest() const { return oldest_; }  ///< id of the oldest stored transition
  /// The importance-sampling exponent the next sample() uses.
  double beta() const;
  /// k of ReplayOptions::frames as resolved for the observation space.
  std::int64_t frames_per_observation() const { return k_; }
  /// Bytes held for observations (the frame ring), allocated up front.
  std::int64_t observation_bytes() const;
  /// Frames the ring holds: capacity + capacity / 4 + 2k, so each episode's start may take k
  /// more frames. When short episodes need more, the oldest transitions leave early.
  std::int64_t frame_capacity() const { return frame_capacity_; }
  const ReplayOptions& options() const { return options_; }
  Generator& generator() { return gen_; }  ///< the sampling generator (checkpointed by the owner)
  const SumTree* priorities() const { return prioritized_ ? &tree_ : nullptr; }

  /// Everything stored, as tensors (bytes packed 8 to an int64), for a checkpoint; large for
  /// pixels. The generator is not in it (see generator()).
  std::map<std::string, Tensor> state_dict() const;
  /// Throws soma::Error naming the key for a missing or misshapen entry (nothing changes then).
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  struct Frames;
  std::int64_t write_frames(const Tensor& obs, std::int64_t from);
  bool same_frames(const Tensor& obs, std::int64_t first_frame, std::int64_t count, std::int64_t from) const;
  void copy_observation(std::int64_t newest_frame, float* out) const;
  void evict_before_frame(std::int64_t frame);
  void check_observation(const Tensor& obs, const char* what) const;

  ReplayOptions options_;
  Shape obs_shape_;
  bool bytes_ = false;
  std::int64_t k_ = 1, frame_size_ = 0, frame_capacity_ = 0;
  std::vector<std::uint8_t> byte_frames_;  // frame f at (f mod frame_capacity) * frame_size
  std::vector<float> float_frames_;
  // per transition slot (id mod capacity): its observation's newest frame and its next
  // observation's newest frame (absolute frame numbers), action, reward, terminated
  std::vector<std::int64_t> obs_frame_, next_frame_, action_;
  std::vector<float> reward_;
  std::vector<std::uint8_t> terminated_;
  std::int64_t added_ = 0, oldest_ = 0, frames_written_ = 0;
  bool open_ = false;  // the last transition's episode goes on: its next observation may continue
  std::int64_t last_next_ = 0;  // the last transition's next observation's newest frame
  std::int64_t samples_ = 0;  // sample() calls (beta's schedule)
  bool prioritized_ = false;
  SumTree tree_;
  double max_priority_ = 1;
  Generator gen_;
};

}  // namespace soma::rl
