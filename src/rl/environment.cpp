#include "soma/rl/environment.h"

#include "soma/core/error.h"

namespace soma::rl {

Space Space::discrete(std::int64_t n) {
  SOMA_CHECK(n >= 1, "Space::discrete: n must be at least 1, got ", n);
  Space s;
  s.kind = Kind::discrete;
  s.n = n;
  return s;
}

Space Space::box(const Shape& shape, std::vector<double> low, std::vector<double> high) {
  SOMA_CHECK(std::int64_t(low.size()) == shape.numel() && std::int64_t(high.size()) == shape.numel(),
             "Space::box: low and high need one bound per element (", shape.numel(), "), got ", low.size(),
             " and ", high.size());
  for (std::size_t i = 0; i < low.size(); ++i)
    SOMA_CHECK(low[i] <= high[i], "Space::box: low[", i, "] = ", low[i], " is above high[", i, "] = ", high[i]);
  Space s;
  s.shape = shape;
  s.low = std::move(low);
  s.high = std::move(high);
  return s;
}

Space Space::pixels(const Shape& shape) {
  Space s = box(shape, std::vector<double>(shape.numel(), 0.0), std::vector<double>(shape.numel(), 255.0));
  s.bytes = true;
  return s;
}

Frame Environment::render() const { detail::throw_error(name(), ": this environment has no renderer"); }

std::int64_t Space::size() const { return kind == Kind::discrete ? 1 : shape.numel(); }

}  // namespace soma::rl
