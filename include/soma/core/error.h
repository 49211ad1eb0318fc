// soma::Error and SOMA_CHECK: the one way soma reports bad input at a public boundary.
// Messages name the op, layer or file, what was expected and what was found.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace soma {

/// Thrown for every user-facing error (bad shapes, bad files, bad configs).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
[[noreturn]] void throw_error(const Args&... args) {
  std::ostringstream message;
  (message << ... << args);
  throw Error(message.str());
}
}  // namespace detail

}  // namespace soma

/// Throws soma::Error with the streamed message parts when `cond` is false.
#define SOMA_CHECK(cond, ...)                                \
  do {                                                       \
    if (!(cond)) [[unlikely]]                                \
      ::soma::detail::throw_error(__VA_ARGS__);              \
  } while (0)
