// Mt19937_64: the 64-bit Mersenne Twister behind Generator. It gives the sequence of
// std::mt19937_64 (the C++ standard fixes it) and reads and writes the state as text in
// libstdc++'s layout (the 312 words, then the position), so states saved earlier stay valid.
// Written out because libstdc++'s twist branches on a random bit of each word, a mispredicted
// jump for every other number (a tenth of an RBM training step); here the twist is branch-free,
// and generate() tempers a run of words in one loop that the compiler vectorizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>

namespace soma {

class Mt19937_64 {
 public:
  using result_type = std::uint64_t;
  static constexpr std::size_t state_size = 312;
  static constexpr std::uint64_t default_seed = 5489;

  explicit Mt19937_64(std::uint64_t seed = default_seed) { this->seed(seed); }
  void seed(std::uint64_t seed);

  std::uint64_t operator()() {
    if (pos_ >= state_size) twist();
    return temper(state_[pos_++]);
  }
  /// out[0, n) = the next n outputs, as n calls of operator() give them.
  void generate(std::uint64_t* out, std::int64_t n);

  friend std::ostream& operator<<(std::ostream& os, const Mt19937_64& engine);
  /// Sets failbit and leaves the engine as it was on a malformed state.
  friend std::istream& operator>>(std::istream& is, Mt19937_64& engine);

 private:
  static std::uint64_t temper(std::uint64_t z) {
    z ^= (z >> 29) & 0x5555555555555555ull;
    z ^= (z << 17) & 0x71D67FFFEDA60000ull;
    z ^= (z << 37) & 0xFFF7EEE000000000ull;
    return z ^ (z >> 43);
  }
  void twist();

  std::uint64_t state_[state_size];
  std::size_t pos_ = state_size;
};

}  // namespace soma
