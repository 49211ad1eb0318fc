// Pair and Padding: the sizes that describe a window sliding over an image (kernel, stride,
// padding, dilation), shared by the convolution and pooling ops and their layers. Only the
// types live here; each op does its own output-size arithmetic and checks.
#pragma once

#include <cstdint>
#include <ostream>

namespace soma {

/// A size along (height, width). Converts from one number (used for both) and from {h, w}:
///   Pair k = 3;       // 3x3
///   Pair s = {2, 1};  // 2 down, 1 across
struct Pair {
  std::int64_t h = 0, w = 0;
  constexpr Pair(std::int64_t both) : h(both), w(both) {}
  constexpr Pair(std::int64_t h, std::int64_t w) : h(h), w(w) {}
  bool operator==(const Pair&) const = default;
};

/// Prints "3" for a square pair and "3x5" (h x w) otherwise, as errors show it.
inline std::ostream& operator<<(std::ostream& os, const Pair& p) {
  return p.h == p.w ? os << p.h : os << p.h << 'x' << p.w;
}

/// Zero padding of a convolution: explicit sizes added on both sides (a number or {h, w}),
/// Padding::valid (no padding) or Padding::same (PyTorch's padding='same': the output as large
/// as the input; stride 1 only). For 'same' the total padding along an axis is
/// dilation * (kernel - 1); when that is odd the extra row/column goes to the bottom/right,
/// as in PyTorch.
///   Conv2dParams{.padding = 1};  Conv2dParams{.padding = {1, 2}};  Conv2dParams{.padding = Padding::same};
class Padding {
 public:
  enum class Mode : std::uint8_t { sizes, same, valid };

  constexpr Padding(std::int64_t both) : sizes_(both) {}
  constexpr Padding(std::int64_t h, std::int64_t w) : sizes_(h, w) {}
  constexpr Padding(Pair sizes) : sizes_(sizes) {}

  static const Padding same;   ///< output size = input size (stride 1)
  static const Padding valid;  ///< no padding

  constexpr Mode mode() const { return mode_; }
  /// The explicit sizes (0 for valid; meaningless for same, which depends on the kernel).
  constexpr Pair sizes() const { return sizes_; }
  bool operator==(const Padding&) const = default;

 private:
  constexpr explicit Padding(Mode mode) : mode_(mode), sizes_(0) {}

  Mode mode_ = Mode::sizes;
  Pair sizes_;
};

inline constexpr Padding Padding::same{Padding::Mode::same};
inline constexpr Padding Padding::valid{Padding::Mode::valid};

/// Prints "1", "1x2", "same" or "valid", as errors show it.
inline std::ostream& operator<<(std::ostream& os, const Padding& p) {
  switch (p.mode()) {
    case Padding::Mode::same: return os << "same";
    case Padding::Mode::valid: return os << "valid";
    default: return os << p.sizes();
  }
}

}  // namespace soma
