// Gymnasium's FrozenLakeEnv: the model is built as its __init__ builds P (on slippery ice the
// moves (a - 1) % 4, a, (a + 1) % 4, each 1/3, listed separately even when two land on the same
// cell), and a step samples it as categorical_sample does.
#include "soma/rl/frozen_lake.h"

#include <algorithm>

#include "soma/core/error.h"
#include "soma/core/factory.h"

namespace soma::rl {

FrozenLake::FrozenLake(FrozenLakeOptions options)
    : options_(std::move(options)), action_space_(Space::discrete(4)), generator_(options_.seed) {
  const auto& map = options_.map;
  SOMA_CHECK(!map.empty() && !map[0].empty(), "FrozenLake: the map is empty");
  bool has_start = false;
  for (std::size_t r = 0; r < map.size(); ++r) {
    SOMA_CHECK(map[r].size() == map[0].size(), "FrozenLake: map row ", r, " has ", map[r].size(),
               " cells, row 0 has ", map[0].size());
    for (char c : map[r]) {
      SOMA_CHECK(c == 'S' || c == 'F' || c == 'H' || c == 'G', "FrozenLake: map row ", r, " holds '", c,
                 "'; the letters are S, F, H, G");
      has_start |= c == 'S';
    }
  }
  SOMA_CHECK(has_start, "FrozenLake: the map has no start cell S");
  SOMA_CHECK(options_.max_episode_steps >= 1, "FrozenLake: max_episode_steps must be at least 1, got ",
             options_.max_episode_steps);
  const std::int64_t n = rows() * columns();
  observation_space_ = Space::discrete(n);

  const auto move = [&](std::int64_t s, std::int64_t a) {
    std::int64_t r = s / columns(), c = s % columns();
    if (a == left) c = std::max<std::int64_t>(c - 1, 0);
    if (a == down) r = std::min(r + 1, rows() - 1);
    if (a == right) c = std::min(c + 1, columns() - 1);
    if (a == up) r = std::max<std::int64_t>(r - 1, 0);
    return r * columns() + c;
  };
  model_.assign(std::size_t(n), std::vector<std::vector<Transition>>(4));
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t a = 0; a < 4; ++a) {
      auto& outcomes = model_[s][a];
      if (cell(s) == 'G' || cell(s) == 'H') {
        outcomes.push_back({1.0, s, 0.0, true});
        continue;
      }
      const auto add = [&](double p, std::int64_t b) {
        const std::int64_t next = move(s, b);
        outcomes.push_back({p, next, cell(next) == 'G' ? 1.0 : 0.0, cell(next) == 'G' || cell(next) == 'H'});
      };
      if (options_.slippery)
        for (std::int64_t b : {(a + 3) % 4, a, (a + 1) % 4}) add(1.0 / 3.0, b);
      else
        add(1.0, a);
    }
}

Tensor FrozenLake::reset(std::optional<std::uint64_t> seed) {
  if (seed) generator_.seed(*seed);
  std::vector<std::int64_t> starts;
  for (std::int64_t s = 0; s < rows() * columns(); ++s)
    if (cell(s) == 'S') starts.push_back(s);
  state_ = starts[generator_.below(starts.size())];
  steps_ = 0;
  started_ = true;
  done_ = false;
  return scalar(double(state_), DType::i64);
}

EnvStep FrozenLake::step(std::int64_t action) {
  SOMA_CHECK(action >= 0 && action < 4, name(), ": action must be 0 (left), 1 (down), 2 (right) or 3 (up), got ",
             action);
  SOMA_CHECK(started_, name(), ": step() before reset()");
  SOMA_CHECK(!done_, name(), ": step() after the episode ended (terminated or truncated); call reset()");
  const auto& outcomes = model_[state_][action];
  const double u = generator_.uniform();
  double cumulative = 0;
  const Transition* chosen = &outcomes.back();  // where rounding leaves the sum a hair under 1
  for (const Transition& t : outcomes)
    if ((cumulative += t.probability) > u) {
      chosen = &t;
      break;
    }
  state_ = chosen->next;
  ++steps_;
  EnvStep out{scalar(double(state_), DType::i64), chosen->reward, chosen->terminated, false};
  out.truncated = !out.terminated && steps_ >= options_.max_episode_steps;
  done_ = out.terminated || out.truncated;
  return out;
}

std::map<std::string, Tensor> FrozenLake::state_dict() const {
  return {{"state", scalar(double(state_), DType::i64)},
          {"steps", scalar(double(steps_), DType::i64)},
          {"phase", scalar(double(started_) + 2 * double(done_), DType::i64)}};
}

void FrozenLake::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto get = [&](const char* key) {
    auto it = state.find(key);
    SOMA_CHECK(it != state.end(), name(), ": the saved state has no \"", key, "\"");
    SOMA_CHECK(it->second.numel() == 1, name(), ": saved \"", key, "\" should be one number, has ",
               it->second.numel());
    return std::int64_t(it->second.item());
  };
  const std::int64_t s = get("state"), steps = get("steps"), phase = get("phase");
  SOMA_CHECK(s >= 0 && s < rows() * columns(), name(), ": saved \"state\" must be a cell 0..",
             rows() * columns() - 1, ", got ", s);
  SOMA_CHECK(phase >= 0 && phase <= 3, name(), ": saved \"phase\" must be 0..3, got ", phase);
  state_ = s, steps_ = steps, started_ = phase & 1, done_ = phase & 2;
}

}  // namespace soma::rl
