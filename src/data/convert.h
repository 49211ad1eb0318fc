// Element decoding for the file readers (private): bytes in a file's byte order -> a tensor of
// the dtype the caller asked for. Not a general cast: float data goes to int64 only when every
// value is a whole number int64 can hold, since a silent truncation would corrupt labels.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "soma/core/tensor.h"

namespace soma::data::detail {

template <class T>
T load(const std::uint8_t* p, bool swap) {
  if constexpr (sizeof(T) == 1) {
    return std::bit_cast<T>(*p);
  } else {
    using U = std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                 std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;
    U u;
    std::memcpy(&u, p, sizeof(T));
    if (swap) {
      if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
      else if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
      else u = __builtin_bswap64(u);
    }
    return std::bit_cast<T>(u);
  }
}

/// Decodes out.numel() elements of type Src stored with byte order `order` into `out`
/// (f32, f64 or i64). Returns -1, or the index of the first floating value that int64 cannot
/// hold exactly (fractional, NaN, infinite or out of range); the caller reports it.
template <class Src>
std::int64_t decode_into(const std::uint8_t* bytes, std::endian order, Tensor& out) {
  const std::int64_t n = out.numel();
  const bool swap = order != std::endian::native;
  return dispatch_all(out.dtype(), [&]<class Dst>() -> std::int64_t {
    Dst* dst = out.data<Dst>();
    auto loop = [&](auto swap_bytes) -> std::int64_t {
      for (std::int64_t i = 0; i < n; ++i) {
        const Src v = load<Src>(bytes + i * sizeof(Src), swap_bytes);
        if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
          if (!(v >= -0x1p63 && v < 0x1p63) || std::trunc(v) != v) return i;
        }
        dst[i] = Dst(v);
      }
      return -1;
    };
    // Two instantiations so that the byte-order test is not in the loop.
    return swap ? loop(std::true_type{}) : loop(std::false_type{});
  });
}

}  // namespace soma::data::detail
