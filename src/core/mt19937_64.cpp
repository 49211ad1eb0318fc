// Mt19937_64 (mt19937_64.h): Matsumoto and Nishimura's 64-bit Mersenne Twister with the
// parameters of std::mt19937_64.
#include "soma/core/mt19937_64.h"

#include <algorithm>
#include <istream>
#include <ostream>

namespace soma {
namespace {

constexpr std::size_t kShift = 156;  // the middle word a new word mixes in (m)
constexpr std::uint64_t kUpper = ~std::uint64_t(0) << 31, kLower = ~kUpper;
constexpr std::uint64_t kMatrix = 0xB5026F5AA96619E9ull;

// A new word from the upper bit part of word k, the lower part of word k + 1 and word k + m:
// the conditional xor with the matrix is a mask (libstdc++ branches there).
inline std::uint64_t mix(std::uint64_t word, std::uint64_t next, std::uint64_t middle) {
  const std::uint64_t y = (word & kUpper) | (next & kLower);
  return middle ^ (y >> 1) ^ ((std::uint64_t(0) - (y & 1)) & kMatrix);
}

}  // namespace

void Mt19937_64::seed(std::uint64_t seed) {
  state_[0] = seed;
  for (std::size_t i = 1; i < state_size; ++i)
    state_[i] = 6364136223846793005ull * (state_[i - 1] ^ (state_[i - 1] >> 62)) + i;
  pos_ = state_size;
}

void Mt19937_64::twist() {
  std::uint64_t* x = state_;
  for (std::size_t k = 0; k < state_size - kShift; ++k) x[k] = mix(x[k], x[k + 1], x[k + kShift]);
  for (std::size_t k = state_size - kShift; k < state_size - 1; ++k) x[k] = mix(x[k], x[k + 1], x[k - (state_size - kShift)]);
  x[state_size - 1] = mix(x[state_size - 1], x[0], x[kShift - 1]);
  pos_ = 0;
}

void Mt19937_64::generate(std::uint64_t* out, std::int64_t n) {
  while (n > 0) {
    if (pos_ >= state_size) twist();
    const std::int64_t take = std::min<std::int64_t>(n, std::int64_t(state_size - pos_));
    const std::uint64_t* words = state_ + pos_;
    for (std::int64_t i = 0; i < take; ++i) out[i] = temper(words[i]);
    pos_ += std::size_t(take);
    out += take;
    n -= take;
  }
}

std::ostream& operator<<(std::ostream& os, const Mt19937_64& engine) {
  const auto flags = os.flags();
  const auto fill = os.fill();
  os.flags(std::ios_base::dec | std::ios_base::fixed | std::ios_base::left);
  os.fill(os.widen(' '));
  for (std::uint64_t word : engine.state_) os << word << ' ';
  os << engine.pos_;
  os.flags(flags);
  os.fill(fill);
  return os;
}

std::istream& operator>>(std::istream& is, Mt19937_64& engine) {
  const auto flags = is.flags();
  is.flags(std::ios_base::dec | std::ios_base::skipws);
  Mt19937_64 read;  // the engine changes only once the whole state has been read
  for (std::uint64_t& word : read.state_) is >> word;
  is >> read.pos_;
  if (read.pos_ > Mt19937_64::state_size) is.setstate(std::ios_base::failbit);
  if (!is.fail()) engine = read;
  is.flags(flags);
  return is;
}

}  // namespace soma
