// The command line shared by the benchmark programs (soma-bench, and soma-bench-dlib when dlib
// is installed): a workload id or name, --threads N (0: the library's own default count),
// --size S, and one JSON line out, so that bench/run.sh reads every program alike:
//   {"workload":"B1","metric":"iterations_per_s","value":...,"threads":1,...}
// Depends on the standard library only (soma-bench-dlib does not link soma).
#pragma once

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>

#include "bench.h"

namespace soma::bench {

/// What differs between the programs that share this command line.
struct Program {
  const char* name;                    ///< "soma-bench", used in messages
  const char* summary;                 ///< first lines of --help
  std::span<const Workload> workloads;
  int (*default_threads)();            ///< the library's own thread count (used for --threads 0)
  void (*set_threads)(int);            ///< holds the library to N threads
  /// Handles a program-specific flag; returns false if it does not know it. May be null.
  bool (*extra_option)(std::string_view flag) = nullptr;
  const char* extra_help = "";         ///< --help lines of those flags
};

namespace detail {

inline bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// JSON numbers that read well: integers without a fraction, rates with one decimal.
inline std::string json_number(double v) {
  char buf[64];
  if (!std::isfinite(v)) return "null";
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 100) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// Parses a non-negative integer option value (at least `min`); exits with a message otherwise.
inline long integer_option(const Program& program, const char* flag, const char* text, long min) {
  char* end = nullptr;
  const long v = text ? std::strtol(text, &end, 10) : 0;
  if (!text || *end != '\0' || v < min) {
    std::fprintf(stderr, "%s: %s expects an integer of at least %ld, got '%s'\n", program.name, flag, min,
                 text ? text : "");
    std::exit(2);
  }
  return v;
}

inline void print_help(const Program& program) {
  std::printf(
      "%s\n\nusage: %s WORKLOAD [--threads N] [--size S]%s\n"
      "  WORKLOAD     an id or a name from the list below (case-insensitive)\n"
      "  --threads N  threads (default and 0: the library's own default count, printed in the output)\n"
      "  --size S     workload-specific size (B10: the matrix side)\n%s\n"
      "Each figure is the median of %d repetitions after one warm-up. bench/run.sh runs every\n"
      "workload for soma and its peers and prints a table.\n\nworkloads:\n",
      program.summary, program.name, program.extra_option ? " [options]" : "", program.extra_help, kRepetitions);
  for (const auto& w : program.workloads) std::printf("  %-4s %-9s %s\n", w.id, w.name, w.description);
}

}  // namespace detail

/// main() of a benchmark program: parses argv, runs the workload, prints one JSON line
/// (the fixed fields, then Result::extra, "note" and "error"). Returns the exit status: 0, 1 if
/// the workload failed or its result is invalid, 2 for a usage error.
inline int run_cli(const Program& program, int argc, char** argv) {
  using detail::same_name;
  if (argc < 2 || same_name(argv[1], "--help") || same_name(argv[1], "-h")) {
    detail::print_help(program);
    return argc < 2 ? 2 : 0;
  }
  const Workload* workload = nullptr;
  for (const auto& w : program.workloads)
    if (same_name(argv[1], w.id) || same_name(argv[1], w.name)) workload = &w;
  if (!workload) {
    std::fprintf(stderr, "%s: unknown workload '%s'; known:", program.name, argv[1]);
    for (const auto& w : program.workloads) std::fprintf(stderr, " %s (%s)", w.id, w.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  Options options;
  options.threads = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--threads") options.threads = int(detail::integer_option(program, "--threads", value, 0)), ++i;
    else if (arg == "--size") options.size = detail::integer_option(program, "--size", value, 1), ++i;
    else if (arg == "--help" || arg == "-h") return detail::print_help(program), 0;
    else if (!program.extra_option || !program.extra_option(arg)) {
      std::fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", program.name, argv[i], program.name);
      return 2;
    }
  }
  // --threads 0 (or none): the library chooses, as a user who sets nothing gets it.
  const bool default_threads = options.threads == 0;
  if (default_threads) options.threads = program.default_threads();
  else program.set_threads(options.threads);

  Result result;
  try {
    result = workload->run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s failed: %s\n", program.name, workload->id, e.what());
    return 1;
  }
  std::string line = std::string("{\"workload\":\"") + workload->id + "\",\"metric\":\"" + result.metric +
                     "\",\"value\":" + detail::json_number(result.value) +
                     ",\"threads\":" + std::to_string(options.threads);
  if (default_threads) line += ",\"default_threads\":true";
  for (const auto& [key, value] : result.extra) line += ",\"" + key + "\":" + detail::json_number(value);
  for (const auto& [key, value] : result.text) line += ",\"" + key + "\":" + detail::json_string(value);
  if (!result.error.empty()) line += ",\"error\":" + detail::json_string(result.error);
  std::printf("%s}\n", line.c_str());
  if (!result.error.empty()) {
    std::fprintf(stderr, "%s: %s: %s\n", program.name, workload->id, result.error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace soma::bench
