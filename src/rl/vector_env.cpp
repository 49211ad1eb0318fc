#include "soma/rl/vector_env.h"

#include <cstring>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {

namespace {
bool same_space(const Space& a, const Space& b) {
  return a.kind == b.kind && a.n == b.n && a.shape == b.shape && a.low == b.low && a.high == b.high;
}

std::vector<std::unique_ptr<Environment>> make_n(const std::function<std::unique_ptr<Environment>()>& make,
                                                 std::int64_t n) {
  SOMA_CHECK(n >= 1, "VectorEnv: the number of environments must be at least 1, got ", n);
  std::vector<std::unique_ptr<Environment>> envs;
  for (std::int64_t i = 0; i < n; ++i) envs.push_back(make());
  return envs;
}
}  // namespace

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Environment>> envs) : envs_(std::move(envs)) {
  SOMA_CHECK(!envs_.empty(), "VectorEnv: needs at least one environment");
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    SOMA_CHECK(envs_[i] != nullptr, "VectorEnv: environment ", i, " is null");
    SOMA_CHECK(same_space(envs_[i]->observation_space(), envs_[0]->observation_space()) &&
                   same_space(envs_[i]->action_space(), envs_[0]->action_space()),
               "VectorEnv: environment ", i, " (", envs_[i]->name(), ") has other spaces than environment 0 (",
               envs_[0]->name(), ")");
  }
  restart_.assign(envs_.size(), false);
}

VectorEnv::VectorEnv(const std::function<std::unique_ptr<Environment>()>& make, std::int64_t n)
    : VectorEnv(make_n(make, n)) {}

Tensor VectorEnv::batch(const std::vector<Tensor>& observations) const {
  const Tensor& first = observations[0];
  std::vector<std::int64_t> dims{size()};
  for (int d = 0; d < first.dim(); ++d) dims.push_back(first.size(d));
  Tensor out(Shape(dims), first.dtype());
  const std::size_t bytes = std::size_t(first.numel()) * size_of(first.dtype());
  for (std::size_t i = 0; i < observations.size(); ++i) {
    // Environments return fresh contiguous tensors.
    SOMA_CHECK(observations[i].shape() == first.shape() && observations[i].dtype() == first.dtype(),
               "VectorEnv: environment ", i, " observed ", observations[i].shape(), ", environment 0 ", first.shape());
    std::memcpy(static_cast<char*>(out.raw_data()) + i * bytes, observations[i].raw_data(), bytes);
  }
  return out;
}

Tensor VectorEnv::reset(std::optional<std::uint64_t> seed) {
  std::vector<Tensor> observations;
  for (std::size_t i = 0; i < envs_.size(); ++i)
    observations.push_back(envs_[i]->reset(seed ? std::optional<std::uint64_t>(*seed + i) : std::nullopt));
  restart_.assign(envs_.size(), false);
  started_ = true;
  return batch(observations);
}

VectorStep VectorEnv::step(std::span<const std::int64_t> actions) {
  SOMA_CHECK(std::int64_t(actions.size()) == size(), "VectorEnv: step needs one action per environment (", size(),
             "), got ", actions.size());
  SOMA_CHECK(started_, "VectorEnv: step() before reset()");
  VectorStep out;
  out.rewards.assign(envs_.size(), 0.0);
  out.terminated.assign(envs_.size(), false);
  out.truncated.assign(envs_.size(), false);
  std::vector<Tensor> observations;
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    if (restart_[i]) {
      observations.push_back(envs_[i]->reset());
      restart_[i] = false;
      continue;
    }
    EnvStep s = envs_[i]->step(actions[i]);
    observations.push_back(std::move(s.observation));
    out.rewards[i] = s.reward;
    out.terminated[i] = s.terminated;
    out.truncated[i] = s.truncated;
    restart_[i] = s.terminated || s.truncated;
  }
  out.observations = batch(observations);
  return out;
}

std::map<std::string, Tensor> VectorEnv::state_dict() const {
  std::map<std::string, Tensor> out;
  Tensor restart = zeros({size()}, DType::i64);
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    for (auto& [key, value] : envs_[i]->state_dict()) out.emplace(std::to_string(i) + "." + key, value);
    restart.data<std::int64_t>()[i] = restart_[i];
  }
  out.emplace("restart", restart);
  out.emplace("started", scalar(double(started_), DType::i64));
  return out;
}

void VectorEnv::load_state_dict(const std::map<std::string, Tensor>& state) {
  const auto get = [&](const char* key) -> const Tensor& {
    auto it = state.find(key);
    SOMA_CHECK(it != state.end(), "VectorEnv: the saved state has no \"", key, "\"");
    return it->second;
  };
  const Tensor& restart = get("restart");
  SOMA_CHECK(restart.numel() == size(), "VectorEnv: saved \"restart\" has ", restart.numel(),
             " entries for ", size(), " environments");
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    const std::string prefix = std::to_string(i) + ".";
    std::map<std::string, Tensor> own;
    for (auto& [key, value] : state)
      if (key.starts_with(prefix)) own.emplace(key.substr(prefix.size()), value);
    envs_[i]->load_state_dict(own);
    restart_[i] = restart.at({std::int64_t(i)}) != 0;
  }
  started_ = get("started").item() != 0;
}

}  // namespace soma::rl
