// Small helpers shared by the unit tests: a tensor's values as doubles, and the message of
// the soma::Error a call throws.
#pragma once

#include <string>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::test {

/// Every element of t, converted to double, in row-major order.
inline std::vector<double> values(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  return {d.data<double>(), d.data<double>() + d.numel()};
}

/// The message of the soma::Error that f() throws, or "(no error)".
template <class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace soma::test
