// ReplayBuffer: transitions as frame numbers into one ring of frames. A transition holds the
// absolute numbers of its observation's and next observation's newest frames; an observation
// is the k frames ending there. add() writes only the frames that are new: none for s when it
// is the previous s' (the episode goes on), and only the newest for s' when its first k - 1
// frames are s's last k - 1 (a frame stack). Frames are numbered from 0 forever and live at
// (number mod frame_capacity); before a frame is overwritten, the transitions that need it
// leave, so every stored transition can always be read back exactly.
#include "soma/rl/replay.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "soma/core/error.h"

namespace soma::rl {

namespace {

constexpr std::int64_t kCounters = 6;  // added, oldest, frames_written, open, last_next, samples

Tensor i64_tensor(const std::vector<std::int64_t>& v) {
  Tensor t({std::int64_t(v.size())}, DType::i64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

const Tensor& entry(const std::map<std::string, Tensor>& state, const std::string& key, DType dtype,
                    std::int64_t numel) {
  const auto it = state.find(key);
  SOMA_CHECK(it != state.end(), "ReplayBuffer: load_state_dict: no entry '", key, "'");
  SOMA_CHECK(it->second.dtype() == dtype && it->second.numel() == numel, "ReplayBuffer: load_state_dict: '", key,
             "' must be ", name_of(dtype), " with ", numel, " values, got ", name_of(it->second.dtype()), " ",
             it->second.shape(), "; was it saved by a buffer with other options?");
  return it->second;
}

}  // namespace

ReplayBuffer::ReplayBuffer(const Space& observation_space, ReplayOptions options)
    : options_(options), tree_(options.prioritized ? options.capacity : 1), gen_(options.seed) {
  SOMA_CHECK(observation_space.kind == Space::Kind::box,
             "ReplayBuffer: expects a box observation space (tensors of a fixed shape), got a discrete one");
  SOMA_CHECK(options_.capacity >= 1, "ReplayBuffer: capacity must be >= 1, got ", options_.capacity);
  SOMA_CHECK(options_.frames >= 0, "ReplayBuffer: frames must be >= 0 (0: automatic), got ", options_.frames);
  SOMA_CHECK(options_.alpha >= 0, "ReplayBuffer: alpha must be >= 0, got ", options_.alpha);
  SOMA_CHECK(options_.beta >= 0 && options_.beta <= 1, "ReplayBuffer: beta must be in [0, 1], got ", options_.beta);
  SOMA_CHECK(options_.beta_steps >= 0, "ReplayBuffer: beta_steps must be >= 0, got ", options_.beta_steps);
  SOMA_CHECK(options_.priority_epsilon > 0, "ReplayBuffer: priority_epsilon must be > 0, got ",
             options_.priority_epsilon);
  obs_shape_ = observation_space.shape;
  bytes_ = observation_space.bytes;
  const std::int64_t numel = obs_shape_.numel();
  SOMA_CHECK(numel > 0, "ReplayBuffer: the observation shape ", obs_shape_, " holds no values");
  k_ = options_.frames > 0 ? options_.frames : (bytes_ && obs_shape_.dim() == 3 ? obs_shape_[0] : 1);
  SOMA_CHECK(k_ == 1 || (obs_shape_.dim() >= 1 && obs_shape_[0] == k_), "ReplayBuffer: frames ", k_,
             " must be the first axis of the observation shape ", obs_shape_);
  frame_size_ = numel / k_;
  frame_capacity_ = options_.capacity + options_.capacity / 4 + 2 * k_;
  if (bytes_)
    byte_frames_.assign(frame_capacity_ * frame_size_, 0);
  else
    float_frames_.assign(frame_capacity_ * frame_size_, 0.0f);
  obs_frame_.assign(options_.capacity, 0);
  next_frame_.assign(options_.capacity, 0);
  action_.assign(options_.capacity, 0);
  reward_.assign(options_.capacity, 0.0f);
  terminated_.assign(options_.capacity, 0);
  prioritized_ = options_.prioritized;
}

std::int64_t ReplayBuffer::observation_bytes() const {
  return frame_capacity_ * frame_size_ * (bytes_ ? 1 : std::int64_t(sizeof(float)));
}

double ReplayBuffer::beta() const {
  if (options_.beta_steps == 0) return options_.beta;
  const double done = std::min(1.0, double(samples_) / double(options_.beta_steps));
  return options_.beta + (1 - options_.beta) * done;
}

void ReplayBuffer::check_observation(const Tensor& obs, const char* what) const {
  SOMA_CHECK(obs.defined() && obs.dtype() == DType::f32 && obs.shape() == obs_shape_, "ReplayBuffer: add: ", what,
             " must be float32 ", obs_shape_, " (the observation space), got ",
             obs.defined() ? std::string(name_of(obs.dtype())) : std::string("undefined"), " ",
             obs.defined() ? obs.shape() : Shape{});
}

bool ReplayBuffer::same_frames(const Tensor& obs, std::int64_t first_frame, std::int64_t count,
                               std::int64_t from) const {
  const float* x = obs.data<float>() + from * frame_size_;
  for (std::int64_t j = 0; j < count; ++j, x += frame_size_) {
    const std::int64_t at = ((first_frame + j) % frame_capacity_) * frame_size_;
    if (bytes_) {
      const std::uint8_t* f = byte_frames_.data() + at;
      for (std::int64_t i = 0; i < frame_size_; ++i)
        if (float(f[i]) != x[i]) return false;
    } else if (std::memcmp(float_frames_.data() + at, x, frame_size_ * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

void ReplayBuffer::evict_before_frame(std::int64_t frame) {
  // Transitions leave oldest first; the oldest frame a transition needs is its observation's first.
  while (oldest_ < added_ && obs_frame_[oldest_ % options_.capacity] - k_ + 1 < frame) {
    if (prioritized_) tree_.set(oldest_ % options_.capacity, 0);
    ++oldest_;
  }
}

std::int64_t ReplayBuffer::write_frames(const Tensor& obs, std::int64_t from) {
  const float* x = obs.data<float>() + from * frame_size_;
  for (std::int64_t j = from; j < k_; ++j, x += frame_size_) {
    evict_before_frame(frames_written_ + 1 - frame_capacity_);
    const std::int64_t at = (frames_written_ % frame_capacity_) * frame_size_;
    if (bytes_) {
      std::uint8_t* f = byte_frames_.data() + at;
      for (std::int64_t i = 0; i < frame_size_; ++i) {
        SOMA_CHECK(x[i] >= 0 && x[i] <= 255 && x[i] == std::floor(x[i]), "ReplayBuffer: add: a pixel observation ",
                   "holds ", x[i], "; expected whole numbers in 0..255 (the space has `bytes`)");
        f[i] = std::uint8_t(x[i]);
      }
    } else {
      std::memcpy(float_frames_.data() + at, x, frame_size_ * sizeof(float));
    }
    ++frames_written_;
  }
  return frames_written_ - 1;
}

void ReplayBuffer::add(const Tensor& observation, std::int64_t action, double reward, const Tensor& next_observation,
                       bool terminated, bool truncated) {
  check_observation(observation, "observation");
  check_observation(next_observation, "next_observation");
  // s continues the stored sequence when it is the last s' of an episode that goes on.
  std::int64_t obs_f = last_next_;
  if (!open_ || !same_frames(observation, last_next_ - k_ + 1, k_, 0)) obs_f = write_frames(observation, 0);
  // s' of a frame stack: its first k - 1 frames are s's last k - 1.
  const bool shifted = same_frames(next_observation, obs_f - k_ + 2, k_ - 1, 0);
  const std::int64_t next_f = write_frames(next_observation, shifted ? k_ - 1 : 0);

  if (added_ - oldest_ == options_.capacity) {
    if (prioritized_) tree_.set(oldest_ % options_.capacity, 0);
    ++oldest_;
  }
  const std::int64_t slot = added_ % options_.capacity;
  obs_frame_[slot] = obs_f;
  next_frame_[slot] = next_f;
  action_[slot] = action;
  reward_[slot] = float(reward);
  terminated_[slot] = terminated ? 1 : 0;
  if (prioritized_) tree_.set(slot, max_priority_);  // new transitions: the largest priority so far
  ++added_;
  open_ = !(terminated || truncated);
  last_next_ = next_f;
}

void ReplayBuffer::copy_observation(std::int64_t newest_frame, float* out) const {
  for (std::int64_t f = newest_frame - k_ + 1; f <= newest_frame; ++f, out += frame_size_) {
    const std::int64_t at = (f % frame_capacity_) * frame_size_;
    if (bytes_)
      std::copy_n(byte_frames_.data() + at, frame_size_, out);
    else
      std::memcpy(out, float_frames_.data() + at, frame_size_ * sizeof(float));
  }
}

ReplaySample ReplayBuffer::get(std::span<const std::int64_t> ids) const {
  const std::int64_t B = std::int64_t(ids.size()), numel = obs_shape_.numel();
  Shape shape{B};
  for (std::int64_t d : obs_shape_) shape.push_back(d);
  ReplaySample out{.observations = Tensor(shape, DType::f32),
                   .actions = Tensor({B}, DType::i64),
                   .rewards = Tensor({B}, DType::f32),
                   .next_observations = Tensor(shape, DType::f32),
                   .terminated = Tensor({B}, DType::f32),
                   .weights = Tensor({B}, DType::f32),
                   .ids = std::vector<std::int64_t>(ids.begin(), ids.end())};
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t id = ids[b];
    SOMA_CHECK(id >= oldest_ && id < added_, "ReplayBuffer: transition ", id, " is not stored (stored: ", oldest_,
               " to ", added_ - 1, ")");
    const std::int64_t slot = id % options_.capacity;
    copy_observation(obs_frame_[slot], out.observations.data<float>() + b * numel);
    copy_observation(next_frame_[slot], out.next_observations.data<float>() + b * numel);
    out.actions.data<std::int64_t>()[b] = action_[slot];
    out.rewards.data<float>()[b] = reward_[slot];
    out.terminated.data<float>()[b] = terminated_[slot];
    out.weights.data<float>()[b] = 1;
  }
  return out;
}

ReplaySample ReplayBuffer::sample(std::int64_t batch_size) {
  SOMA_CHECK(batch_size >= 1, "ReplayBuffer: sample: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(size() > 0, "ReplayBuffer: sample: the buffer is empty");
  std::vector<std::int64_t> ids(batch_size);
  if (!prioritized_) {
    for (auto& id : ids) id = oldest_ + std::int64_t(gen_.below(std::uint64_t(size())));
    return get(ids);
  }
  // Proportional sampling, stratified: one draw from each of B equal parts of the total mass.
  const double total = tree_.total(), part = total / double(batch_size);
  const std::int64_t first_slot = oldest_ % options_.capacity;
  for (std::int64_t b = 0; b < batch_size; ++b) {
    const std::int64_t slot = tree_.find((double(b) + gen_.uniform()) * part);
    ids[b] = oldest_ + (slot - first_slot + options_.capacity) % options_.capacity;
  }
  const double beta = this->beta();
  ++samples_;
  ReplaySample out = get(ids);
  // w_i = (N P(i))^-beta / max_j (N P(j))^-beta = (p_min / p_i)^beta.
  const double p_min = tree_.min();
  float* w = out.weights.data<float>();
  for (std::int64_t b = 0; b < batch_size; ++b)
    w[b] = float(std::pow(p_min / tree_.get(ids[b] % options_.capacity), beta));
  return out;
}

void ReplayBuffer::update_priorities(std::span<const std::int64_t> ids, std::span<const double> td_errors) {
  SOMA_CHECK(prioritized_, "ReplayBuffer: update_priorities needs prioritized replay (ReplayOptions::prioritized)");
  SOMA_CHECK(ids.size() == td_errors.size(), "ReplayBuffer: update_priorities: ", ids.size(), " ids but ",
             td_errors.size(), " TD errors");
  for (std::size_t j = 0; j < ids.size(); ++j) {
    SOMA_CHECK(std::isfinite(td_errors[j]), "ReplayBuffer: update_priorities: the TD error of transition ", ids[j],
               " is ", td_errors[j]);
    if (ids[j] < oldest_ || ids[j] >= added_) continue;  // left the buffer since it was sampled
    const double p = std::pow(std::abs(td_errors[j]) + options_.priority_epsilon, options_.alpha);
    tree_.set(ids[j] % options_.capacity, p);
    max_priority_ = std::max(max_priority_, p);
  }
}

std::map<std::string, Tensor> ReplayBuffer::state_dict() const {
  std::map<std::string, Tensor> state;
  if (bytes_) {
    Tensor frames({std::int64_t(byte_frames_.size() + 7) / 8}, DType::i64);
    std::memset(frames.raw_data(), 0, frames.numel() * 8);
    std::memcpy(frames.raw_data(), byte_frames_.data(), byte_frames_.size());
    state["frames"] = frames;
  } else {
    Tensor frames({std::int64_t(float_frames_.size())}, DType::f32);
    std::memcpy(frames.raw_data(), float_frames_.data(), float_frames_.size() * sizeof(float));
    state["frames"] = frames;
  }
  state["obs_frame"] = i64_tensor(obs_frame_);
  state["next_frame"] = i64_tensor(next_frame_);
  state["action"] = i64_tensor(action_);
  state["terminated"] = i64_tensor(std::vector<std::int64_t>(terminated_.begin(), terminated_.end()));
  Tensor reward({options_.capacity}, DType::f32);
  std::copy(reward_.begin(), reward_.end(), reward.data<float>());
  state["reward"] = reward;
  state["counters"] = i64_tensor({added_, oldest_, frames_written_, open_ ? 1 : 0, last_next_, samples_});
  if (prioritized_) {
    Tensor p({options_.capacity + 1}, DType::f64);
    for (std::int64_t i = 0; i < options_.capacity; ++i) p.data<double>()[i] = tree_.get(i);
    p.data<double>()[options_.capacity] = max_priority_;
    state["priorities"] = p;  // the leaves, then the largest priority so far
  }
  return state;
}

void ReplayBuffer::load_state_dict(const std::map<std::string, Tensor>& state) {
  const std::int64_t C = options_.capacity;
  const Tensor& frames = bytes_ ? entry(state, "frames", DType::i64, std::int64_t(byte_frames_.size() + 7) / 8)
                                : entry(state, "frames", DType::f32, std::int64_t(float_frames_.size()));
  const Tensor& obs_frame = entry(state, "obs_frame", DType::i64, C);
  const Tensor& next_frame = entry(state, "next_frame", DType::i64, C);
  const Tensor& action = entry(state, "action", DType::i64, C);
  const Tensor& terminated = entry(state, "terminated", DType::i64, C);
  const Tensor& reward = entry(state, "reward", DType::f32, C);
  const Tensor& counters = entry(state, "counters", DType::i64, kCounters);
  const Tensor* priorities = prioritized_ ? &entry(state, "priorities", DType::f64, C + 1) : nullptr;
  const std::int64_t* c = counters.data<std::int64_t>();
  SOMA_CHECK(c[0] >= c[1] && c[0] - c[1] <= C && c[1] >= 0, "ReplayBuffer: load_state_dict: counters hold ", c[1],
             " to ", c[0], ", more than the capacity ", C);

  if (bytes_)
    std::memcpy(byte_frames_.data(), frames.raw_data(), byte_frames_.size());
  else
    std::memcpy(float_frames_.data(), frames.raw_data(), float_frames_.size() * sizeof(float));
  std::copy_n(obs_frame.data<std::int64_t>(), C, obs_frame_.begin());
  std::copy_n(next_frame.data<std::int64_t>(), C, next_frame_.begin());
  std::copy_n(action.data<std::int64_t>(), C, action_.begin());
  for (std::int64_t i = 0; i < C; ++i) terminated_[i] = terminated.data<std::int64_t>()[i] != 0;
  std::copy_n(reward.data<float>(), C, reward_.begin());
  added_ = c[0], oldest_ = c[1], frames_written_ = c[2], open_ = c[3] != 0, last_next_ = c[4], samples_ = c[5];
  if (priorities) {
    for (std::int64_t i = 0; i < C; ++i) tree_.set(i, priorities->data<double>()[i]);
    max_priority_ = priorities->data<double>()[C];
  }
}

}  // namespace soma::rl
