// assign_values: overwrites a model's parameter in place, for tests that set known weights.
#pragma once

#include <cstring>

#include "soma/core/tensor.h"

namespace soma::test {

/// Overwrites `param`'s values with `values` (same element count, converted to param's dtype),
/// outside autograd: a model keeps its own tensors, so tests set known weights this way.
inline void assign_values(const Tensor& param, const Tensor& values) {
  SOMA_CHECK(param.numel() == values.numel(), "assign_values: ", param.numel(), " elements, given ", values.numel());
  const Tensor v = values.to(param.dtype());
  std::memcpy(param.raw_data(), v.raw_data(), std::size_t(v.numel()) * size_of(v.dtype()));
}

}  // namespace soma::test
