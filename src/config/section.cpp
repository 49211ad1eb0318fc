// Section: typed, path-naming reads of one JSON object of a config (see section.h).
#include "soma/config/section.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace soma::config {

void fail(const std::string& path, const std::string& what) {
  throw ConfigError(path.empty() ? what : path + ": " + what);
}

std::string describe(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

namespace {

std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

bool is_integer(const Json& v) {
  if (v.is_number_integer()) return true;
  // 3.0 is a whole number too; 3.5 and 1e30 are not.
  return v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>() &&
         std::fabs(v.get<double>()) < 9e15;
}

std::int64_t to_integer(const Json& v) {
  return v.is_number_float() ? std::int64_t(v.get<double>()) : v.get<std::int64_t>();
}

std::string integer_kind(std::int64_t min) {
  if (min == 1) return "a positive integer";
  if (min == 0) return "an integer >= 0";
  if (min == std::numeric_limits<std::int64_t>::min()) return "an integer";
  return "an integer >= " + std::to_string(min);
}

}  // namespace

bool Bounds::contains(double x) const {
  if (std::isnan(x)) return false;
  if (lo_open ? !(x > lo) : !(x >= lo)) return false;
  if (hi_open ? !(x < hi) : !(x <= hi)) return false;
  return true;
}

std::string Bounds::describe() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return "a number in " + std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
           (hi_open ? ")" : "]");
  if (has_lo) return "a number " + std::string(lo_open ? "> " : ">= ") + format_number(lo);
  if (has_hi) return "a number " + std::string(hi_open ? "< " : "<= ") + format_number(hi);
  return "a number";
}

Section::Section(const Json& value, std::string path, std::string what)
    : in_(&value), path_(std::move(path)), what_(std::move(what)) {
  static const Json empty = Json::object();
  if (value.is_null()) in_ = &empty;
  if (!in_->is_object()) fail(path_, "expected an object {...}, got " + describe(value));
}

std::string Section::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool Section::has(const std::string& key) const { return in_->contains(key); }

const Json& Section::at(const std::string& key) {
  if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.push_back(key);
  return in_->at(key);
}

void Section::wrong(const std::string& key, const std::string& expected, const Json& got) const {
  fail(path_of(key), "expected " + expected + ", got " + describe(got));
}

const Json* Section::raw(const std::string& key) {
  if (!has(key)) {
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.push_back(key);
    return nullptr;
  }
  return &at(key);
}

void Section::set(const std::string& key, Json value) { out_[key] = std::move(value); }

std::int64_t Section::integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t min) {
  const Json* v = raw(key);
  std::int64_t result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected " + integer_kind(min));
    result = *fallback;
  } else {
    if (!is_integer(*v) || to_integer(*v) < min) wrong(key, integer_kind(min), *v);
    result = to_integer(*v);
  }
  set(key, result);
  return result;
}

double Section::number(const std::string& key, std::optional<double> fallback, Bounds bounds) {
  const Json* v = raw(key);
  double result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected " + bounds.describe());
    result = *fallback;
  } else {
    if (!v->is_number() || !bounds.contains(v->get<double>())) wrong(key, bounds.describe(), *v);
    result = v->get<double>();
  }
  set(key, result);
  return result;
}

bool Section::boolean(const std::string& key, std::optional<bool> fallback) {
  const Json* v = raw(key);
  bool result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected true or false");
    result = *fallback;
  } else {
    if (!v->is_boolean()) wrong(key, "true or false", *v);
    result = v->get<bool>();
  }
  set(key, result);
  return result;
}

std::string Section::text(const std::string& key, std::optional<std::string> fallback,
                          const std::vector<std::string>& choices) {
  std::string expected = "a string";
  if (!choices.empty()) {
    expected = "one of";
    for (std::size_t i = 0; i < choices.size(); ++i) expected += (i ? ", \"" : " \"") + choices[i] + "\"";
  }
  const Json* v = raw(key);
  std::string result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected " + expected);
    result = *fallback;
  } else {
    if (!v->is_string()) wrong(key, expected, *v);
    result = v->get<std::string>();
    if (!choices.empty() && std::find(choices.begin(), choices.end(), result) == choices.end())
      wrong(key, expected, *v);
  }
  set(key, result);
  return result;
}

Pair Section::pair(const std::string& key, std::optional<Pair> fallback, std::int64_t min) {
  const std::string expected = integer_kind(min) + " or a list of two";
  const Json* v = raw(key);
  Pair result = 0;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected " + expected);
    result = *fallback;
  } else if (is_integer(*v) && to_integer(*v) >= min) {
    result = to_integer(*v);
  } else if (v->is_array() && v->size() == 2 && is_integer((*v)[0]) && is_integer((*v)[1]) &&
             to_integer((*v)[0]) >= min && to_integer((*v)[1]) >= min) {
    result = Pair(to_integer((*v)[0]), to_integer((*v)[1]));
  } else {
    wrong(key, expected, *v);
  }
  set(key, result.h == result.w ? Json(result.h) : Json::array({result.h, result.w}));
  return result;
}

std::vector<std::int64_t> Section::integers(const std::string& key,
                                            std::optional<std::vector<std::int64_t>> fallback, std::int64_t min) {
  const std::string expected = "a list of " + integer_kind(min).substr(integer_kind(min).find(' ') + 1) + "s";
  const Json* v = raw(key);
  std::vector<std::int64_t> result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected " + expected);
    result = *fallback;
  } else {
    if (!v->is_array()) wrong(key, expected, *v);
    for (std::size_t i = 0; i < v->size(); ++i) {
      const Json& e = (*v)[i];
      if (!is_integer(e) || to_integer(e) < min)
        fail(path_of(key) + "[" + std::to_string(i) + "]", "expected " + integer_kind(min) + ", got " + describe(e));
      result.push_back(to_integer(e));
    }
  }
  set(key, result);
  return result;
}

std::vector<double> Section::numbers(const std::string& key, std::optional<std::vector<double>> fallback) {
  const Json* v = raw(key);
  std::vector<double> result;
  if (!v || v->is_null()) {
    if (!fallback) fail(path_of(key), "missing; expected a list of numbers");
    result = *fallback;
  } else {
    if (!v->is_array()) wrong(key, "a list of numbers", *v);
    for (std::size_t i = 0; i < v->size(); ++i) {
      const Json& e = (*v)[i];
      if (!e.is_number())
        fail(path_of(key) + "[" + std::to_string(i) + "]", "expected a number, got " + describe(e));
      result.push_back(e.get<double>());
    }
  }
  set(key, result);
  return result;
}

void Section::finish() const {
  for (const auto& [key, value] : in_->items()) {
    if (std::find(read_.begin(), read_.end(), key) != read_.end()) continue;
    std::string known;
    for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
    fail(path_of(key), "unknown option" + (what_.empty() ? std::string() : " of " + what_) +
                           (known.empty() ? std::string("; it takes none") : "; expected one of " + known));
  }
}

namespace {

// A text cut to 80 characters, for error messages (a 10 MB name is not echoed whole).
std::string shorten(const std::string& text) { return text.size() > 80 ? text.substr(0, 80) + "..." : text; }

// The line and column of a byte offset, which an editor can jump to.
std::string line_column(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// A first pass over the text that builds nothing: nlohmann's parser is iterative, but copying
// or converting a tree 40,000 levels deep recurses and overflows the stack, and its DOM
// parser keeps the last of two equal keys silently. This pass checks the depth and the keys,
// with the JSON path of the value at fault, before any tree exists.
class Checker : public nlohmann::json_sax<Json> {
 public:
  Checker(const std::string& text, const std::string& origin) : text_(text), origin_(origin) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& key) override {
    Frame& top = frames_.back();
    top.key = key;
    ++keys_read_;
    if (!top.keys.insert(key).second)
      throw ConfigError(origin_ + ":" + line_column(text_, key_at(keys_read_)) + ": " + path() +
                        ": given twice; expected each key once in an object");
    return true;
  }
  bool parse_error(std::size_t byte, const std::string& token, const nlohmann::detail::exception& e) override {
    const std::string at = frames_.empty() ? std::string() : path() + ": ";
    if (e.id == 406)  // out_of_range: a number beyond double's range; the column of its first digit
      throw ConfigError(origin_ + ":" + line_column(text_, byte + 1 - std::min(byte, token.size())) +
                        ": invalid JSON: " + at + "the number " + shorten(token) +
                        " is out of range; expected a finite number (at most about 1.8e308)");
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>";
    // the reason quotes the last token read, which can be a whole 10 MB string.
    std::string what = e.what();
    const auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    const auto last = what.find("last read: '");
    if (last != std::string::npos) what = what.substr(0, last) + "last read: '" + shorten(token) + "'";
    throw ConfigError(origin_ + ":" + line_column(text_, byte) + ": invalid JSON: " + at + what);
  }

 private:
  struct Frame {
    bool array = false;
    std::int64_t index = -1;  // the element being read, in an array
    std::string key;          // the key being read, in an object
    std::set<std::string> keys;
  };

  // A value starts: in an array, it is the next element.
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  bool open(bool array) {
    value();
    if (frames_.size() >= kMaxJsonDepth)
      throw ConfigError(origin_ + ":" + line_column(text_, too_deep_at()) + ": " + path() + ": nested deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels of objects and arrays; expected at most " + std::to_string(kMaxJsonDepth));
    frames_.emplace_back();
    frames_.back().array = array;
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
  // The byte (from 1) of the first bracket that opens one level too many: SAX events carry no
  // position, so the text is scanned for it (strings skipped).
  std::size_t too_deep_at() const {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text_.size(); ++i) {
      const char c = text_[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > kMaxJsonDepth) return i + 1;
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
    return 0;
  }
  // The byte (from 1) where the n-th key of the text starts: a string followed by a colon.
  std::size_t key_at(std::size_t n) const {
    for (std::size_t i = 0, seen = 0; i < text_.size(); ++i) {
      if (text_[i] != '"') continue;
      const std::size_t start = i;
      for (++i; i < text_.size() && text_[i] != '"'; ++i)
        if (text_[i] == '\\') ++i;
      std::size_t next = i + 1;
      while (next < text_.size() && std::isspace(static_cast<unsigned char>(text_[next]))) ++next;
      if (next < text_.size() && text_[next] == ':' && ++seen == n) return start + 1;
    }
    return 0;
  }
  // "model.layers[3].kernel", as Section names values (cut to 80 characters); "(the top)"
  // outside every object.
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.array) {
        if (f.index >= 0) out += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty() || !f.keys.empty()) {
        out += (out.empty() ? "" : ".") + shorten(f.key);
      }
    }
    return out.empty() ? "(the top)" : shorten(out);
  }

  const std::string& text_;
  const std::string& origin_;
  std::vector<Frame> frames_;
  std::size_t keys_read_ = 0;
};

}  // namespace

Json parse_json(const std::string& text, const std::string& origin) {
  Checker checker(text, origin);
  Json::sax_parse(text, &checker);
  Json json = Json::parse(text);  // cannot fail now
  if (!json.is_object())
    throw ConfigError(origin + ": expected a JSON object {...} at the top, got " + describe(json));
  return json;
}

Json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the config file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

}  // namespace soma::config
