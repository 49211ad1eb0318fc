// Text utilities for language models: a character vocabulary and a word vocabulary (text <->
// int64 ids), one-hot encoding, and sampling the next token from logits with a temperature
// and top-k. Tokenization is deliberately simple (characters; words split at whitespace with
// punctuation as separate tokens): enough for the examples, not a subword tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma::data {

/// Every distinct byte of a text, in byte order; ids 0..size()-1.
///   CharVocabulary v(text);  auto ids = v.encode("In the beginning");  v.decode(ids) == "In the beginning"
class CharVocabulary {
 public:
  explicit CharVocabulary(std::string_view text);
  std::int64_t size() const { return std::int64_t(chars_.size()); }
  /// Throws soma::Error naming the character (and its position) when it is not in the vocabulary.
  std::vector<std::int64_t> encode(std::string_view text) const;
  std::string decode(const std::vector<std::int64_t>& ids) const;
  /// The id of one character; throws when absent.
  std::int64_t id(char c) const;
  char token(std::int64_t id) const;  ///< throws for an id outside [0, size())

 private:
  std::string chars_;
  std::int16_t index_[256];
};

/// Words split at whitespace, with each punctuation character (.,;:!?'"()) its own token.
std::vector<std::string> split_words(std::string_view text);

/// Words in order of first appearance (or a given list), ids 0..size()-1. With an unknown
/// token (e.g. "<unk>", id 0), encode maps unseen words to it; without, it throws naming the word.
class WordVocabulary {
 public:
  /// From the words of `text` (split_words), in order of first appearance.
  static WordVocabulary from_text(std::string_view text, std::string unknown = "");
  /// From an explicit list (no duplicates).
  explicit WordVocabulary(std::vector<std::string> words, std::string unknown = "");
  std::int64_t size() const { return std::int64_t(words_.size()); }
  std::vector<std::int64_t> encode(std::string_view text) const;
  /// Words joined by spaces, with no space before punctuation.
  std::string decode(const std::vector<std::int64_t>& ids) const;
  std::int64_t id(const std::string& word) const;
  const std::string& token(std::int64_t id) const;
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::int64_t> index_;
  std::int64_t unknown_ = -1;
};

/// ids int64 [*] -> float [*, num_classes] with a 1 at each id (F.one_hot(...).to(dtype)).
/// Throws naming an id outside [0, num_classes).
Tensor one_hot(const Tensor& ids, std::int64_t num_classes, DType dtype = DType::f32);

struct SamplingOptions {
  /// Divides the logits: < 1 sharpens (more likely tokens), > 1 flattens; must be > 0.
  double temperature = 1.0;
  /// Keep only the k most likely tokens (0: all).
  std::int64_t top_k = 0;
};

/// Draws one id from softmax(logits / temperature) restricted to the top_k largest logits.
/// logits: [V] (any floating dtype). Throws for temperature <= 0, top_k < 0, or non-1-D logits.
std::int64_t sample_token(const Tensor& logits, const SamplingOptions& options, Generator& gen);

}  // namespace soma::data
