// Generator: the seedable source of every random draw in soma (init, dropout, shuffling).
// Same seed -> same numbers on every platform: the engine gives std::mt19937_64's sequence
// (mt19937_64.h), and the distributions are written here, not taken from <random> (whose
// outputs vary by library).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "soma/core/mt19937_64.h"

namespace soma {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}

  /// Restarts the sequence; a normal draw kept from before is dropped.
  void seed(std::uint64_t seed) {
    engine_.seed(seed);
    has_spare_ = false;
    spare_normal_ = 0;
  }
  std::uint64_t next_u64() { return engine_(); }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// Standard normal draw (Box–Muller; the second value of each pair is kept for the next call).
  double normal();
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n);
  /// n raw 32-bit draws: each 64-bit output of the engine gives two, its low half first.
  /// For bulk sampling (the RBM's Bernoulli draws), where one call per number costs more than
  /// the number.
  void fill_u32(std::uint32_t* out, std::int64_t n);

  /// The full state as text, for checkpoints; set_state restores it exactly.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  Mt19937_64 engine_;
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

/// The generator constructors use when given none (weight init, a Dropout's seed); training never draws from it.
Generator& default_generator();
/// Seeds the default generator (like torch.manual_seed).
void manual_seed(std::uint64_t seed);

}  // namespace soma
