// Box arithmetic and the canvas targets' object rows.
#include "soma/detection/box.h"

#include <algorithm>

#include "soma/core/error.h"

namespace soma::detection {

double area(const Box& b) { return std::max(0.0, b.x2 - b.x1) * std::max(0.0, b.y2 - b.y1); }

double iou(const Box& a, const Box& b) {
  const Box inter{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2), std::min(a.y2, b.y2)};
  const double i = area(inter), u = area(a) + area(b) - i;
  return u > 0 ? i / u : 0;
}

std::vector<std::vector<Object>> objects_of(const Tensor& targets) {
  SOMA_CHECK(targets.defined() && targets.dim() == 3 && targets.size(2) == 5 && is_floating(targets.dtype()),
             "objects_of: expected targets float [N, K, 5] (class, x1, y1, x2, y2), got ",
             targets.defined() ? targets.shape() : Shape{});
  const Tensor t = targets.to(DType::f64);
  const double* p = t.data<double>();
  std::vector<std::vector<Object>> out(std::size_t(targets.size(0)));
  for (std::int64_t i = 0; i < targets.size(0); ++i)
    for (std::int64_t k = 0; k < targets.size(1); ++k) {
      const double* row = p + (i * targets.size(1) + k) * 5;
      if (row[0] >= 0) out[std::size_t(i)].push_back({int(row[0]), {row[1], row[2], row[3], row[4]}});
    }
  return out;
}

}  // namespace soma::detection
