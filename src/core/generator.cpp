// Generator: portable distributions over the 64-bit Mersenne Twister (mt19937_64.h).
#include "soma/core/generator.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "soma/core/error.h"

namespace soma {

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  // Box–Muller: two uniforms -> two independent standard normals.
  const double u1 = 1.0 - uniform();  // in (0, 1], so log is finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_normal_ = r * std::sin(2 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2 * std::numbers::pi * u2);
}

void Generator::fill_u32(std::uint32_t* out, std::int64_t n) {
  std::uint64_t block[Mt19937_64::state_size];  // engine outputs, split in halves below
  std::int64_t i = 0;
  while (n - i >= 2) {
    const std::int64_t words = std::min<std::int64_t>((n - i) / 2, std::int64_t(Mt19937_64::state_size));
    engine_.generate(block, words);
    for (std::int64_t j = 0; j < words; ++j) {
      out[i + 2 * j] = std::uint32_t(block[j]);
      out[i + 2 * j + 1] = std::uint32_t(block[j] >> 32);
    }
    i += 2 * words;
  }
  if (i < n) out[i] = std::uint32_t(engine_());
}

std::uint64_t Generator::below(std::uint64_t n) {
  SOMA_CHECK(n > 0, "Generator::below: n must be positive");
  // Rejection sampling avoids modulo bias.
  const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
  std::uint64_t x;
  do x = engine_(); while (x >= limit);
  return x % n;
}

std::string Generator::state() const {
  std::ostringstream os;
  os.precision(17);
  os << engine_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_normal_;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  // Parsed into locals: a malformed state throws and leaves this generator as it was.
  std::istringstream is(state);
  Mt19937_64 engine;
  bool has_spare = false;
  std::string spare;
  is >> engine >> has_spare >> spare;
  char* end = nullptr;
  const double spare_normal = std::strtod(spare.c_str(), &end);
  SOMA_CHECK(!is.fail() && !spare.empty() && *end == '\0', "Generator::set_state: not a generator state");
  engine_ = engine;
  has_spare_ = has_spare;
  spare_normal_ = spare_normal;
}

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(std::uint64_t seed) {
  default_generator() = Generator(seed);
}

}  // namespace soma
