// Reading a JSON config with errors that name the JSON path: a Section is one object of the
// config ("model.layers[3]"); each getter checks the value's type and range and records the
// value used (the default when absent) in resolved(), so a run can save the config as it was
// understood. finish() rejects the keys nobody asked for, listing the ones that exist.
// Every mistake throws ConfigError: "model.layers[3].kernel: expected a positive integer, got "3x3"".
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "soma/core/error.h"
#include "soma/ops/window.h"

namespace soma::config {

/// JSON with its keys kept in file order (so a resolved config reads like the one written).
using Json = nlohmann::ordered_json;

/// A mistake in a config; what() starts with the JSON path of the value at fault.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Throws ConfigError("<path>: <what>").
[[noreturn]] void fail(const std::string& path, const std::string& what);
/// A value as it appears in the file, for "got ..." (strings quoted; long values cut at 40 chars).
std::string describe(const Json& value);

/// `object[key]` as a T, or `fallback` when absent or null: for files whose keys are read
/// directly (run.json, a model's config). A value of another type throws ConfigError
/// "<where>.<key>: expected <expected>, got ...", never nlohmann's type_error.
template <class T>
T value_or(const Json& object, const std::string& where, const std::string& key, T fallback,
           const std::string& expected) {
  if (!object.is_object()) fail(where, "expected an object {...}, got " + describe(object));
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->template get<T>();
  } catch (const Json::exception&) {
    fail(where.empty() ? key : where + "." + key, "expected " + expected + ", got " + describe(*it));
  }
}

/// The allowed range of a number: lo <= x <= hi, or lo < x / x < hi when open.
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double x) const;
  /// "a number > 0", "a number in [0, 1)", "a number".
  std::string describe() const;
};

/// One JSON object of the config, read by key.
class Section {
 public:
  /// `value` must be an object (null reads as an empty one); else ConfigError at `path`.
  /// `what` names the object in messages ("Dense", "optimizer adam").
  Section(const Json& value, std::string path, std::string what = "");

  const std::string& path() const { return path_; }
  /// "<path>.<key>" (or just key at the top level).
  std::string path_of(const std::string& key) const;
  bool has(const std::string& key) const;

  /// Integer >= min. Absent: `fallback`, or ConfigError "missing" when there is none.
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t min = 0);
  /// A number within `bounds` (integers accepted).
  double number(const std::string& key, std::optional<double> fallback, Bounds bounds = {});
  bool boolean(const std::string& key, std::optional<bool> fallback);
  /// A string; when `choices` is not empty it must be one of them.
  std::string text(const std::string& key, std::optional<std::string> fallback,
                   const std::vector<std::string>& choices = {});
  /// An integer >= min, or a list of two ("kernel": 3 or [3, 5]).
  Pair pair(const std::string& key, std::optional<Pair> fallback, std::int64_t min = 0);
  std::vector<std::int64_t> integers(const std::string& key, std::optional<std::vector<std::int64_t>> fallback,
                                     std::int64_t min = 0);
  std::vector<double> numbers(const std::string& key, std::optional<std::vector<double>> fallback);
  /// The raw value (nullptr when absent), marked as read; the caller records what it resolves
  /// to with set().
  const Json* raw(const std::string& key);
  /// Records `value` as the resolved value of `key`.
  void set(const std::string& key, Json value);

  /// Throws ConfigError for a key that no getter read: "<path>.<key>: unknown option of
  /// <what>; expected one of a, b, c".
  void finish() const;
  /// The values read so far, with defaults filled in, in reading order.
  const Json& resolved() const { return out_; }

 private:
  const Json& at(const std::string& key);
  [[noreturn]] void wrong(const std::string& key, const std::string& expected, const Json& got) const;

  const Json* in_;
  Json out_ = Json::object();
  std::string path_;
  std::string what_;
  std::vector<std::string> read_;
};

/// The deepest nesting of objects and arrays that parse_json accepts.
inline constexpr std::size_t kMaxJsonDepth = 100;

/// Parses JSON text that must hold one object {...} (a config, run.json, a model's embedded
/// config). Throws ConfigError starting with `origin`: a syntax error or a number out of range
/// with its line, column and JSON path ("c.json:3:10: invalid JSON at model.layers[0]: ..."),
/// a key given twice in one object (with its JSON path), nesting deeper than kMaxJsonDepth
/// (checked before any tree is built; with line, column and path), or a top-level value that
/// is not an object. Long tokens are cut to 80 characters.
Json parse_json(const std::string& text, const std::string& origin);
/// Reads and parses a JSON file as parse_json does; ConfigError naming the file when it
/// cannot be read.
Json read_json_file(const std::string& path);

}  // namespace soma::config
