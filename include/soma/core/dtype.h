// Element types. Floating tensors (f32, f64) carry gradients; i64 holds labels and indices.
#pragma once

#include <cstddef>
#include <cstdint>

namespace soma {

enum class DType : std::uint8_t { f32, f64, i64 };

/// Bytes per element.
constexpr std::size_t size_of(DType t) { return t == DType::f32 ? 4 : 8; }
constexpr const char* name_of(DType t) {
  return t == DType::f32 ? "float32" : t == DType::f64 ? "float64" : "int64";
}
constexpr bool is_floating(DType t) { return t != DType::i64; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }

}  // namespace soma
