// Tests for Generator (src/core/generator.cpp): reproducibility from a seed, reseeding,
// state()/set_state() round trips (including the spare normal of Box–Muller), below()'s
// range and uniformity, and the moments of uniform() and normal() over 100k draws.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soma/core/error.h"
#include "soma/core/generator.h"

namespace soma {
namespace {

std::vector<double> mixed_draws(Generator& g, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(g.normal());
    out.push_back(g.uniform());
    out.push_back(double(g.below(1000)));
    out.push_back(g.normal());
    out.push_back(double(g.next_u64() >> 12));
  }
  return out;
}

TEST(GeneratorTest, SameSeedGivesTheSameSequence) {
  Generator a(2024), b(2024), c(2025);
  const auto da = mixed_draws(a, 200);
  EXPECT_EQ(da, mixed_draws(b, 200));
  EXPECT_NE(da, mixed_draws(c, 200));
}

TEST(GeneratorTest, ReseedingRestartsTheSequence) {
  Generator a(7);
  const auto first = mixed_draws(a, 50);
  a.seed(7);
  EXPECT_EQ(mixed_draws(a, 50), first);
}

TEST(GeneratorTest, ReseedingDropsTheSpareNormal) {
  // One normal() draw leaves the second Box–Muller value pending; seed() must forget it.
  Generator fresh(11), used(99);
  used.normal();
  used.seed(11);
  EXPECT_EQ(used.normal(), fresh.normal());
  EXPECT_EQ(used.normal(), fresh.normal());
}

TEST(GeneratorTest, StateRoundTripContinuesIdentically) {
  Generator g(5);
  mixed_draws(g, 30);
  const std::string state = g.state();
  const auto expected = mixed_draws(g, 100);
  Generator h(12345);
  h.set_state(state);
  EXPECT_EQ(mixed_draws(h, 100), expected);
  g.set_state(state);  // restoring into the same generator rewinds it
  EXPECT_EQ(mixed_draws(g, 100), expected);
}

TEST(GeneratorTest, StateKeepsTheSpareNormalBitExact) {
  Generator g(8);
  g.normal();  // the pair's second value is now spare
  const std::string state = g.state();
  const double spare = g.normal();
  const double after = g.normal();
  Generator h;
  h.set_state(state);
  EXPECT_EQ(h.normal(), spare);  // bit-exact, not just close
  EXPECT_EQ(h.normal(), after);
}

TEST(GeneratorTest, SetStateRejectsText) {
  Generator g(1);
  EXPECT_THROW(g.set_state("not a state"), Error);
  EXPECT_THROW(g.set_state(""), Error);
  // A truncated state or a bad spare throws and loses nothing: g continues as if never touched.
  Generator same(1);
  const std::string state = Generator(2).state();
  EXPECT_THROW(g.set_state(state.substr(0, state.size() / 2)), Error);
  EXPECT_THROW(g.set_state(state.substr(0, state.rfind(' ')) + " 0x1.8p+zz"), Error);
  EXPECT_EQ(mixed_draws(g, 50), mixed_draws(same, 50));
}

TEST(GeneratorTest, BelowStaysInRange) {
  Generator g(3);
  for (std::uint64_t n : {std::uint64_t(1), std::uint64_t(2), std::uint64_t(7), std::uint64_t(1000),
                          (std::uint64_t(1) << 63) + 1, ~std::uint64_t(0)}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(g.below(n), n) << "n = " << n;
  }
  for (int i = 0; i < 100; ++i) ASSERT_EQ(g.below(1), 0u);
}

TEST(GeneratorTest, BelowIsUniform) {
  Generator g(4);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[g.below(10)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);  // binomial std 95
}

TEST(GeneratorTest, BelowZeroThrows) {
  Generator g;
  EXPECT_THROW(g.below(0), Error);
}

TEST(GeneratorTest, UniformIsInUnitIntervalWithMeanHalf) {
  Generator g(6);
  double sum = 0, sum2 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = g.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
  for (int i = 0; i < 1000; ++i) {
    const double v = g.uniform(-3, -1);
    ASSERT_GE(v, -3);
    ASSERT_LT(v, -1);
  }
}

TEST(GeneratorTest, NormalHasMeanZeroAndUnitStd) {
  Generator g(10);
  double sum = 0, sum2 = 0, sum4 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double z = g.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += z * z;
    sum4 += z * z * z * z;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0, 0.015);             // std error 0.0032
  EXPECT_NEAR(std::sqrt(var), 1, 0.015);   // std error 0.0022
  EXPECT_NEAR(sum4 / n, 3, 0.1);           // kurtosis of a normal (std error ~0.03)
}

TEST(GeneratorTest, ManualSeedReseedsTheDefaultGenerator) {
  manual_seed(77);
  const auto first = mixed_draws(default_generator(), 20);
  manual_seed(77);
  EXPECT_EQ(mixed_draws(default_generator(), 20), first);
}

TEST(Generator, FillU32SplitsEachDrawLowHalfFirst) {
  Generator a(42), b(42);
  std::uint32_t words[5];
  a.fill_u32(words, 5);
  const std::uint64_t x0 = b.next_u64(), x1 = b.next_u64(), x2 = b.next_u64();
  EXPECT_EQ(words[0], std::uint32_t(x0));
  EXPECT_EQ(words[1], std::uint32_t(x0 >> 32));
  EXPECT_EQ(words[2], std::uint32_t(x1));
  EXPECT_EQ(words[3], std::uint32_t(x1 >> 32));
  EXPECT_EQ(words[4], std::uint32_t(x2));  // an odd count uses the low half of a last draw
  EXPECT_EQ(a.next_u64(), b.next_u64());
}

}  // namespace
}  // namespace soma
