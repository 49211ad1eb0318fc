// Pair and Padding: the sizes that describe a window sliding over an image (kernel, stride,
// padding, dilation), shared by the convolution and pooling ops and their layers, and the
// output-size arithmetic of those windows: one definition, used by the ops and by the layers'
// output_shape, so that the two can never disagree. The checks and their messages stay with
// each op and layer.
#pragma once

#include <cstdint>
#include <ostream>
#include <utility>

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

/// The padding (before, after) along one axis of a convolution: `explicit_size` on both sides,
/// none for valid, and for same dilation * (kernel - 1) in all with the odd one after
/// (bottom/right), where PyTorch puts it.
std::pair<std::int64_t, std::int64_t> conv_axis_padding(const Padding& padding, std::int64_t explicit_size,
                                                        std::int64_t kernel, std::int64_t dilation);

/// A convolution's output size along one axis: (in + padding - dilation * (kernel - 1) - 1) /
/// stride + 1, rounded down, where `padding` is the total of both sides. 0 when the kernel does
/// not fit in the padded input.
std::int64_t conv_output_size(std::int64_t in, std::int64_t padding, std::int64_t kernel, std::int64_t stride,
                              std::int64_t dilation);

/// A transposed convolution's output size along one axis (PyTorch's ConvTranspose2d):
/// (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1. May be < 1,
/// which the caller reports.
std::int64_t conv_transpose_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                                        std::int64_t padding, std::int64_t output_padding, std::int64_t dilation);

/// A pooling window's output size along one axis (PyTorch's pooling_output_shape):
/// floor((in + 2 * pad - kernel) / stride) + 1, or the ceiling with ceil_mode, minus one when
/// ceil_mode's last window would start past the input and its left padding (it would cover only
/// right padding). May be < 1, which the caller reports. Requires stride >= 1.
std::int64_t pool_output_size(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                              bool ceil_mode);

}  // namespace soma
