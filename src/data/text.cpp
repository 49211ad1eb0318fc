// Text utilities: vocabularies, one-hot, sampling (see data/text.h).
#include "soma/data/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "soma/core/factory.h"

namespace soma::data {

namespace {
bool is_punctuation(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' || c == '"' ||
         c == '(' || c == ')';
}
}  // namespace

CharVocabulary::CharVocabulary(std::string_view text) {
  bool seen[256] = {};
  for (char c : text) seen[static_cast<unsigned char>(c)] = true;
  std::fill(std::begin(index_), std::end(index_), std::int16_t(-1));
  for (int b = 0; b < 256; ++b)
    if (seen[b]) {
      index_[b] = std::int16_t(chars_.size());
      chars_.push_back(char(b));
    }
  SOMA_CHECK(!chars_.empty(), "CharVocabulary: the text is empty");
}

std::int64_t CharVocabulary::id(char c) const {
  const std::int16_t i = index_[static_cast<unsigned char>(c)];
  SOMA_CHECK(i >= 0, "CharVocabulary: character ", int(static_cast<unsigned char>(c)), " ('", std::string(1, c),
             "') is not in the vocabulary of ", size(), " characters");
  return i;
}

char CharVocabulary::token(std::int64_t id) const {
  SOMA_CHECK(id >= 0 && id < size(), "CharVocabulary: id ", id, " is outside [0, ", size(), ")");
  return chars_[id];
}

std::vector<std::int64_t> CharVocabulary::encode(std::string_view text) const {
  std::vector<std::int64_t> ids(text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    const std::int16_t i = index_[static_cast<unsigned char>(text[k])];
    SOMA_CHECK(i >= 0, "CharVocabulary: character ", int(static_cast<unsigned char>(text[k])), " ('",
               std::string(1, text[k]), "') at position ", k, " is not in the vocabulary");
    ids[k] = i;
  }
  return ids;
}

std::string CharVocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::string s;
  s.reserve(ids.size());
  for (std::int64_t i : ids) s.push_back(token(i));
  return s;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
    } else if (is_punctuation(c)) {
      flush();
      words.emplace_back(1, c);
    } else {
      word.push_back(c);
    }
  }
  flush();
  return words;
}

WordVocabulary::WordVocabulary(std::vector<std::string> words, std::string unknown) {
  if (!unknown.empty()) {
    unknown_ = 0;
    words_.push_back(unknown);
    index_[unknown] = 0;
  }
  for (auto& w : words) {
    SOMA_CHECK(!index_.count(w), "WordVocabulary: the word '", w, "' is listed twice");
    index_[w] = std::int64_t(words_.size());
    words_.push_back(std::move(w));
  }
  SOMA_CHECK(!words_.empty(), "WordVocabulary: no words");
}

WordVocabulary WordVocabulary::from_text(std::string_view text, std::string unknown) {
  std::vector<std::string> words;
  std::unordered_map<std::string, bool> seen;
  for (auto& w : split_words(text))
    if (!seen[w] && w != unknown) {
      seen[w] = true;
      words.push_back(std::move(w));
    }
  return WordVocabulary(std::move(words), std::move(unknown));
}

std::int64_t WordVocabulary::id(const std::string& word) const {
  const auto it = index_.find(word);
  if (it != index_.end()) return it->second;
  SOMA_CHECK(unknown_ >= 0, "WordVocabulary: the word '", word, "' is not in the vocabulary of ", size(),
             " words (and there is no unknown token)");
  return unknown_;
}

const std::string& WordVocabulary::token(std::int64_t id) const {
  SOMA_CHECK(id >= 0 && id < size(), "WordVocabulary: id ", id, " is outside [0, ", size(), ")");
  return words_[id];
}

std::vector<std::int64_t> WordVocabulary::encode(std::string_view text) const {
  std::vector<std::int64_t> ids;
  for (const auto& w : split_words(text)) ids.push_back(id(w));
  return ids;
}

std::string WordVocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::string s;
  for (std::int64_t i : ids) {
    const std::string& w = token(i);
    const bool glue = w.size() == 1 && is_punctuation(w[0]) && w[0] != '(' && w[0] != '"';
    if (!s.empty() && !glue) s += ' ';
    s += w;
  }
  return s;
}

Tensor one_hot(const Tensor& ids, std::int64_t num_classes, DType dtype) {
  SOMA_CHECK(ids.defined() && ids.dtype() == DType::i64, "one_hot: ids must be int64");
  SOMA_CHECK(num_classes > 0, "one_hot: num_classes must be positive, got ", num_classes);
  Shape shape = ids.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, dtype);
  const std::int64_t* p = ids.data<std::int64_t>();
  dispatch_floating(dtype, "one_hot", [&]<class T>() {
    T* o = out.data<T>();
    for (std::int64_t k = 0; k < ids.numel(); ++k) {
      SOMA_CHECK(p[k] >= 0 && p[k] < num_classes, "one_hot: id ", p[k], " at position ", k, " is outside [0, ",
                 num_classes, ")");
      o[k * num_classes + p[k]] = T(1);
    }
  });
  return out;
}

std::int64_t sample_token(const Tensor& logits, const SamplingOptions& options, Generator& gen) {
  SOMA_CHECK(logits.defined() && logits.dim() == 1 && logits.numel() > 0,
             "sample_token: expected logits [V], got shape ", logits.defined() ? logits.shape() : Shape{});
  SOMA_CHECK(options.temperature > 0, "sample_token: temperature must be > 0, got ", options.temperature);
  SOMA_CHECK(options.top_k >= 0, "sample_token: top_k must be >= 0 (0 keeps all), got ", options.top_k);
  const Tensor l = logits.to(DType::f64);
  const double* p = l.data<double>();
  const std::int64_t V = l.numel();
  std::vector<std::int64_t> order(V);
  std::iota(order.begin(), order.end(), std::int64_t(0));
  // Largest first; ties keep the lower id first, so the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return p[a] > p[b]; });
  const std::int64_t keep = options.top_k == 0 ? V : std::min(options.top_k, V);
  std::vector<double> weights(keep);
  double total = 0;
  for (std::int64_t k = 0; k < keep; ++k) total += weights[k] = std::exp((p[order[k]] - p[order[0]]) / options.temperature);
  double u = gen.uniform() * total;
  for (std::int64_t k = 0; k < keep; ++k) {
    u -= weights[k];
    if (u < 0) return order[k];
  }
  return order[keep - 1];
}

}  // namespace soma::data
