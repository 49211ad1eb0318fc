// Mt19937_64 against std::mt19937_64: the same outputs for several seeds, whether drawn one at a
// time or in runs of any length across the 312-word twists; the same text state in both
// directions (Generator's saved states stay valid); malformed states rejected. And
// Generator::fill_u32 against its definition (each engine output split in halves, low first).
#include "soma/core/mt19937_64.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "soma/core/generator.h"

namespace soma {
namespace {

TEST(Mt19937_64, SameOutputsAsTheStandardEngine) {
  for (std::uint64_t seed : {std::uint64_t(0), std::uint64_t(1), std::uint64_t(5489), std::uint64_t(123456789),
                             ~std::uint64_t(0)}) {
    std::mt19937_64 expected(seed);
    Mt19937_64 engine(seed);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(engine(), expected()) << "seed " << seed << " draw " << i;
  }
  Mt19937_64 fresh;  // the standard's check: the 10000th output of a default-constructed engine
  for (int i = 1; i < 10000; ++i) fresh();
  EXPECT_EQ(fresh(), 9981545732273789042ull);
}

TEST(Mt19937_64, RunsOfAnyLengthContinueTheSequence) {
  std::mt19937_64 expected(42);
  Mt19937_64 engine(42);
  std::vector<std::uint64_t> run(1000);
  for (std::int64_t length : {1, 7, 0, 311, 312, 313, 1, 1000, 624, 5}) {
    engine.generate(run.data(), length);
    for (std::int64_t i = 0; i < length; ++i) ASSERT_EQ(run[std::size_t(i)], expected()) << "run of " << length;
    ASSERT_EQ(engine(), expected()) << "single draw after a run of " << length;
  }
}

template <class Engine>
std::string text_of(const Engine& e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

TEST(Mt19937_64, TextStateMatchesTheStandardEngineBothWays) {
  for (int draws : {0, 1, 311, 312, 500}) {
    std::mt19937_64 standard(9);
    Mt19937_64 engine(9);
    for (int i = 0; i < draws; ++i) {
      standard();
      engine();
    }
    EXPECT_EQ(text_of(engine), text_of(standard)) << "after " << draws << " draws";
    Mt19937_64 restored(1);
    std::istringstream(text_of(standard)) >> restored;
    std::mt19937_64 standard_restored(1);
    std::istringstream(text_of(engine)) >> standard_restored;
    for (int i = 0; i < 700; ++i) {
      const std::uint64_t next = standard();
      ASSERT_EQ(restored(), next) << "restored after " << draws << " draws, draw " << i;
      ASSERT_EQ(standard_restored(), next);
    }
  }
}

TEST(Mt19937_64, MalformedStatesSetFailbit) {
  std::string state = text_of(Mt19937_64(3));
  Mt19937_64 engine;
  std::istringstream truncated(state.substr(0, state.size() / 2));
  truncated >> engine;
  EXPECT_TRUE(truncated.fail());
  std::istringstream past_the_end(state.substr(0, state.rfind(' ')) + " 313");
  past_the_end >> engine;
  EXPECT_TRUE(past_the_end.fail());
  Mt19937_64 untouched;  // neither read changed the engine
  for (int i = 0; i < 700; ++i) ASSERT_EQ(engine(), untouched()) << i;
}

TEST(Mt19937_64, FillU32SplitsEachOutputLowHalfFirst) {
  for (std::int64_t n : {0, 1, 2, 3, 623, 624, 625, 2001}) {
    Generator bulk(77), single(77);
    bulk.next_u64();  // start mid-block
    single.next_u64();
    std::vector<std::uint32_t> words(std::size_t(n) + 1, 0xDEADBEEF);
    bulk.fill_u32(words.data(), n);
    for (std::int64_t i = 0; i < n; i += 2) {
      const std::uint64_t x = single.next_u64();
      ASSERT_EQ(words[std::size_t(i)], std::uint32_t(x)) << "n " << n << " at " << i;
      if (i + 1 < n) ASSERT_EQ(words[std::size_t(i + 1)], std::uint32_t(x >> 32)) << "n " << n << " at " << i + 1;
    }
    EXPECT_EQ(words[std::size_t(n)], 0xDEADBEEF) << "wrote past the end, n " << n;
    EXPECT_EQ(bulk.next_u64(), single.next_u64()) << "n " << n;
  }
}

}  // namespace
}  // namespace soma
