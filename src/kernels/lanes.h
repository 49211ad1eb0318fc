// Lanes: a tensor seen as [outer, n, inner] around one axis, the shape of every
// reduction and softmax: the n values with stride `inner` form one lane.
#pragma once

#include <cstdint>

#include "soma/core/error.h"
#include "soma/core/shape.h"

namespace soma::kernels {

struct Lanes {
  std::int64_t outer = 1, n = 1, inner = 1;
};

inline Lanes axis_lanes(const Shape& shape, int axis, const char* op) {
  SOMA_CHECK(shape.dim() > 0, op, ": expected at least one dimension, got a scalar");
  SOMA_CHECK(axis >= -shape.dim() && axis < shape.dim(), op, ": axis ", axis,
             " is out of range for a tensor of shape ", shape);
  const int a = shape.axis(axis);
  Lanes l;
  for (int i = 0; i < a; ++i) l.outer *= shape[i];
  l.n = shape[a];
  for (int i = a + 1; i < shape.dim(); ++i) l.inner *= shape[i];
  return l;
}

}  // namespace soma::kernels
