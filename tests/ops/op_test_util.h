// Small helpers shared by the tests of the differentiable ops (tests/ops/*_test.cpp):
// comparing a tensor with hand-computed values, checking that a call throws soma::Error
// with a message naming what it should, and keeping gradcheck inputs away from kinks.
// Test-only code; not part of the library.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "soma/core/error.h"
#include "soma/core/tensor.h"

namespace soma::test {

/// Both floating dtypes, for forward-value tests that run once per dtype.
inline constexpr DType kFloatDTypes[] = {DType::f32, DType::f64};

/// Tolerance for hand-computed values: float32 keeps about 7 digits.
inline double value_tol(DType dtype) { return dtype == DType::f32 ? 1e-6 : 1e-13; }

/// True when `t` has `shape` and `dtype`, and every element is within tol * (1 + |expected|)
/// of `expected` (row-major). NaN expects NaN; an infinity expects the same infinity.
inline ::testing::AssertionResult values_near(const Tensor& t, const Shape& shape, DType dtype,
                                              const std::vector<double>& expected, double tol) {
  if (!t.defined()) return ::testing::AssertionFailure() << "tensor is undefined";
  if (!(t.shape() == shape)) return ::testing::AssertionFailure() << "shape " << t.shape() << ", expected " << shape;
  if (t.dtype() != dtype)
    return ::testing::AssertionFailure() << "dtype " << name_of(t.dtype()) << ", expected " << name_of(dtype);
  if (std::int64_t(expected.size()) != t.numel())
    return ::testing::AssertionFailure() << expected.size() << " expected values for " << t.numel() << " elements";
  const Tensor d = t.to(DType::f64);
  const double* p = d.data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double e = expected[i], v = p[i];
    const bool ok = std::isnan(e)   ? std::isnan(v)
                    : std::isinf(e) ? v == e
                                    : std::abs(v - e) <= tol * (1 + std::abs(e));
    if (!ok) return ::testing::AssertionFailure() << "element " << i << " is " << v << ", expected " << e;
  }
  return ::testing::AssertionSuccess();
}

/// values_near with the dtype's default tolerance.
inline ::testing::AssertionResult values_near(const Tensor& t, const Shape& shape, DType dtype,
                                              const std::vector<double>& expected) {
  return values_near(t, shape, dtype, expected, value_tol(dtype));
}

/// True when f() throws soma::Error whose message contains every one of `parts`.
template <class F>
::testing::AssertionResult throws_error_with(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      if (message.find(part) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << message << "\" does not mention \"" << part << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-soma exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

/// A float64 copy of `x` whose elements are at least `margin` away from `at` (values closer
/// are pushed out to at +/- margin, keeping their side), so a gradcheck never straddles a kink.
inline Tensor away_from(const Tensor& x, double at, double margin = 0.1) {
  Tensor y = x.to(DType::f64).copy();
  double* p = y.data<double>();
  for (std::int64_t i = 0; i < y.numel(); ++i)
    if (std::abs(p[i] - at) < margin) p[i] = p[i] >= at ? at + margin : at - margin;
  return y;
}

}  // namespace soma::test
