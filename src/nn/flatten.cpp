// Flatten: the view op of ops/view.h, with errors that name the layer.
#include "soma/nn/flatten.h"

#include "soma/ops/view.h"

namespace soma::nn {
namespace {

// The merged axes [first, last] of `input`, checked as the flatten op checks them.
std::pair<int, int> merged_axes(int start, int end, const Shape& input) {
  const int n = input.dim();
  const int s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
  SOMA_CHECK(s >= 0 && s < n && e >= 0 && e < n, "Flatten(", start, ", ", end, "): the axes are out of range for input ",
             input, n == 0 ? std::string(" (a scalar has no axes)")
                           : " (valid: " + std::to_string(-n) + " to " + std::to_string(n - 1) + ")");
  SOMA_CHECK(s <= e, "Flatten(", start, ", ", end, "): the start axis comes after the end axis in input ", input);
  return {s, e};
}

}  // namespace

Shape Flatten::output_shape(const Shape& input) const {
  const auto [s, e] = merged_axes(start_, end_, input);
  Shape out;
  std::int64_t merged = 1;
  for (int i = 0; i < input.dim(); ++i) {
    if (i < s || i > e) out.push_back(input[i]);
    if (i >= s && i <= e) merged *= input[i];
    if (i == e) out.push_back(merged);
  }
  return out;
}

std::string Flatten::shape_arithmetic(const Shape& input) const {
  const auto [s, e] = merged_axes(start_, end_, input);
  std::string sizes;
  std::int64_t merged = 1;
  for (int i = s; i <= e; ++i) {
    sizes += (i > s ? "x" : "") + std::to_string(input[i]);
    merged *= input[i];
  }
  return sizes + " -> " + std::to_string(merged);
}

Tensor Flatten::forward(const Tensor& x) {
  try {
    return flatten(x, start_, end_);
  } catch (const Error& e) {
    throw Error("Flatten(" + std::to_string(start_) + ", " + std::to_string(end_) + "): " + e.what());
  }
}

}  // namespace soma::nn
