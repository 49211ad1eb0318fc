// Gymnasium's FrozenLakeEnv: the model is built as its __init__ builds P (on slippery ice the
// moves (a - 1) % 4, a, (a + 1) % 4, each 1/3, listed separately even when two land on the same
// cell; holes and the goal absorb); ModelEnvironment samples it as categorical_sample does.
#include "soma/rl/frozen_lake.h"

#include <algorithm>

#include "soma/core/error.h"

namespace soma::rl {

namespace {

const FrozenLakeOptions& checked(const FrozenLakeOptions& options) {
  const auto& map = options.map;
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
  SOMA_CHECK(options.max_episode_steps >= 1, "FrozenLake: max_episode_steps must be at least 1, got ",
             options.max_episode_steps);
  return options;
}

TransitionModel lake_model(const FrozenLakeOptions& options) {
  const auto rows = std::int64_t(options.map.size()), columns = std::int64_t(options.map[0].size());
  const auto cell = [&](std::int64_t s) { return options.map[s / columns][s % columns]; };
  const auto move = [&](std::int64_t s, std::int64_t a) {
    std::int64_t r = s / columns, c = s % columns;
    if (a == FrozenLake::left) c = std::max<std::int64_t>(c - 1, 0);
    if (a == FrozenLake::down) r = std::min(r + 1, rows - 1);
    if (a == FrozenLake::right) c = std::min(c + 1, columns - 1);
    if (a == FrozenLake::up) r = std::max<std::int64_t>(r - 1, 0);
    return r * columns + c;
  };
  TransitionModel model(std::size_t(rows * columns), std::vector<std::vector<Transition>>(4));
  for (std::int64_t s = 0; s < rows * columns; ++s)
    for (std::int64_t a = 0; a < 4; ++a) {
      auto& outcomes = model[s][a];
      if (cell(s) == 'G' || cell(s) == 'H') {
        outcomes.push_back({1.0, s, 0.0, true});
        continue;
      }
      const auto add = [&](double p, std::int64_t b) {
        const std::int64_t next = move(s, b);
        outcomes.push_back({p, next, cell(next) == 'G' ? 1.0 : 0.0, cell(next) == 'G' || cell(next) == 'H'});
      };
      if (options.slippery)
        for (std::int64_t b : {(a + 3) % 4, a, (a + 1) % 4}) add(1.0 / 3.0, b);
      else
        add(1.0, a);
    }
  return model;
}

std::vector<std::int64_t> lake_starts(const FrozenLakeOptions& options) {
  std::vector<std::int64_t> starts;
  const auto columns = std::int64_t(options.map[0].size());
  for (std::size_t r = 0; r < options.map.size(); ++r)
    for (std::int64_t c = 0; c < columns; ++c)
      if (options.map[r][c] == 'S') starts.push_back(std::int64_t(r) * columns + c);
  return starts;
}

}  // namespace

FrozenLake::FrozenLake(FrozenLakeOptions options)
    : ModelEnvironment("FrozenLake-v1", lake_model(checked(options)), lake_starts(options), options.max_episode_steps,
                       options.seed),
      options_(std::move(options)) {}

}  // namespace soma::rl
