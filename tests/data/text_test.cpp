// Tests of include/soma/data/text.h: character and word vocabularies (round trips, ids,
// unknown tokens, errors), one_hot, and sample_token (top-k never picks outside the k largest,
// a low temperature picks the argmax, frequencies follow the softmax, errors).
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/text.h"
#include "support/tensor_testing.h"

namespace soma::data {
namespace {

using test::throws_error_with;

TEST(CharVocabulary, RoundTripsAndOrdersByByte) {
  const CharVocabulary v("banana band");
  EXPECT_EQ(v.size(), 5);  // ' ', a, b, d, n
  EXPECT_EQ(v.id(' '), 0);
  EXPECT_EQ(v.id('n'), 4);
  const auto ids = v.encode("band a nab");
  EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 1, 4, 3, 0, 1, 0, 4, 1, 2}));
  EXPECT_EQ(v.decode(ids), "band a nab");
  EXPECT_TRUE(throws_error_with([&] { v.encode("bandx"); }, {"CharVocabulary", "'x'", "position 4"}));
  EXPECT_TRUE(throws_error_with([&] { v.decode({5}); }, {"id 5", "[0, 5)"}));
}

TEST(WordVocabulary, SplitsPunctuationAndJoinsItBack) {
  EXPECT_EQ(split_words("Steven saw Mark. Mark  saw John."),
            (std::vector<std::string>{"Steven", "saw", "Mark", ".", "Mark", "saw", "John", "."}));
  const WordVocabulary v = WordVocabulary::from_text("Steven saw Mark. Mark saw John. John saw Steven.");
  EXPECT_EQ(v.words(), (std::vector<std::string>{"Steven", "saw", "Mark", ".", "John"}));
  const auto ids = v.encode("John saw Mark.");
  EXPECT_EQ(ids, (std::vector<std::int64_t>{4, 1, 2, 3}));
  EXPECT_EQ(v.decode(ids), "John saw Mark.");
  EXPECT_TRUE(throws_error_with([&] { v.encode("Paul saw John"); }, {"WordVocabulary", "'Paul'"}));
  const WordVocabulary u = WordVocabulary::from_text("a b a", "<unk>");
  EXPECT_EQ(u.encode("a c b"), (std::vector<std::int64_t>{1, 0, 2}));
  EXPECT_TRUE(throws_error_with([] { WordVocabulary({"x", "x"}); }, {"'x' is listed twice"}));
}

TEST(OneHot, PutsOnesAtTheIds) {
  const Tensor ids = from_data(std::vector<double>{2, 0, 1}, {3}).to(DType::i64);
  const Tensor h = one_hot(ids, 3);
  EXPECT_EQ(h.shape(), (Shape{3, 3}));
  EXPECT_EQ(test::values(h), (std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
  EXPECT_TRUE(throws_error_with([&] { one_hot(ids, 2); }, {"one_hot: id 2", "[0, 2)"}));
}

TEST(SampleToken, TemperatureAndTopK) {
  const Tensor logits = tensor({0.0, 1.0, 3.0, 2.0}, DType::f64);
  Generator gen(3);
  for (int i = 0; i < 200; ++i) {
    const std::int64_t t = sample_token(logits, {.top_k = 2}, gen);
    EXPECT_TRUE(t == 2 || t == 3) << t;
    EXPECT_EQ(sample_token(logits, {.temperature = 1e-3}, gen), 2);
  }
  // At temperature 1 the frequencies follow softmax(logits).
  std::vector<int> counts(4, 0);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) ++counts[sample_token(logits, {}, gen)];
  const double z = 1 + std::exp(1.0) + std::exp(3.0) + std::exp(2.0);
  const double expected[] = {1 / z, std::exp(1.0) / z, std::exp(3.0) / z, std::exp(2.0) / z};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(counts[k] / double(draws), expected[k], 0.015) << k;
  EXPECT_TRUE(throws_error_with([&] { sample_token(logits, {.temperature = 0}, gen); }, {"temperature must be > 0"}));
  EXPECT_TRUE(throws_error_with([&] { sample_token(zeros({2, 2}), {}, gen); }, {"logits [V]", "[2, 2]"}));
}

}  // namespace
}  // namespace soma::data
