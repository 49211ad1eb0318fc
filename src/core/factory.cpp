// Tensor creation: constants, data, ranges and random draws.
#include "soma/core/factory.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace soma {
namespace {
template <class F>
Tensor fill_with(const Shape& shape, DType dtype, F&& value_at) {
  Tensor t(shape, dtype);
  const auto n = t.numel();
  dispatch_all(dtype, [&]<class T>() {
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = T(value_at(i));
  });
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }

Tensor zeros(const Shape& shape, DType dtype) {
  Tensor t(shape, dtype);
  std::memset(t.raw_data(), 0, t.numel() * size_of(dtype));
  return t;
}

Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1, dtype); }

Tensor full(const Shape& shape, double value, DType dtype) {
  return fill_with(shape, dtype, [=](std::int64_t) { return value; });
}

Tensor empty_like(const Tensor& t) { return Tensor(t.shape(), t.dtype()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor scalar(double value, DType dtype) { return full(Shape{}, value, dtype); }

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  return from_data(std::span<const double>(values.begin(), values.size()),
                   Shape{std::int64_t(values.size())}, dtype);
}

Tensor tensor(std::initializer_list<double> values, const Shape& shape, DType dtype) {
  return from_data(std::span<const double>(values.begin(), values.size()), shape, dtype);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype) {
  const std::int64_t cols = rows.size() ? std::int64_t(rows.begin()->size()) : 0;
  std::vector<double> values;
  for (const auto& row : rows) {
    SOMA_CHECK(std::int64_t(row.size()) == cols, "tensor: row ", values.size() / std::max<std::int64_t>(cols, 1),
               " has ", row.size(), " values but the first row has ", cols);
    values.insert(values.end(), row.begin(), row.end());
  }
  return from_data(values, Shape{std::int64_t(rows.size()), cols}, dtype);
}

template <class S>
static Tensor from_span(std::span<const S> values, const Shape& shape, DType dtype) {
  SOMA_CHECK(std::int64_t(values.size()) == shape.numel(), "from_data: ", values.size(),
             " values do not fill shape ", shape, " (", shape.numel(), " elements)");
  return fill_with(shape, dtype, [&](std::int64_t i) { return values[i]; });
}

Tensor from_data(std::span<const double> values, const Shape& shape, DType dtype) {
  return from_span(values, shape, dtype);
}
Tensor from_data(std::span<const float> values, const Shape& shape) {
  return from_span(values, shape, DType::f32);
}
Tensor from_data(std::span<const std::int64_t> values, const Shape& shape) {
  return from_span(values, shape, DType::i64);
}

Tensor arange(double start, double end, double step, DType dtype) {
  SOMA_CHECK(step != 0, "arange: step must be non-zero");
  const auto n = std::max<std::int64_t>(0, std::int64_t(std::ceil((end - start) / step)));
  return fill_with(Shape{n}, dtype, [=](std::int64_t i) { return start + double(i) * step; });
}

Tensor arange(double end, DType dtype) { return arange(0, end, 1, dtype); }

Tensor eye(std::int64_t n, DType dtype) {
  return fill_with(Shape{n, n}, dtype, [=](std::int64_t i) { return i / n == i % n ? 1.0 : 0.0; });
}

Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype) {
  SOMA_CHECK(low <= high, "uniform: low (", low, ") must not exceed high (", high, ")");
  if (!is_floating(dtype)) return fill_with(shape, dtype, [&](std::int64_t) { return gen.uniform(low, high); });
  Tensor t(shape, dtype);
  dispatch_floating(dtype, "uniform", [&]<class T>() {
    // NOTE: low + (high - low) * u can round up to high when stored as T (in float32, about
    // once in 2^25 draws of [0, 1)), so a draw is capped at the largest T below high.
    const T top = std::max(T(low), std::nextafter(T(high), T(low)));
    T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = std::min(T(gen.uniform(low, high)), top);
  });
  return t;
}

Tensor normal(const Shape& shape, double mean, double std, Generator& gen, DType dtype) {
  SOMA_CHECK(std >= 0, "normal: std must be non-negative, got ", std);
  return fill_with(shape, dtype, [&](std::int64_t) { return mean + std * gen.normal(); });
}

Tensor bernoulli(const Shape& shape, double p, Generator& gen, DType dtype) {
  SOMA_CHECK(p >= 0 && p <= 1, "bernoulli: p must be in [0, 1], got ", p);
  return fill_with(shape, dtype, [&](std::int64_t) { return gen.uniform() < p ? 1.0 : 0.0; });
}

Tensor bernoulli(const Tensor& probs, Generator& gen) {
  return dispatch_floating(probs.dtype(), "bernoulli", [&]<class T>() {
    const T* p = probs.data<T>();
    return fill_with(probs.shape(), probs.dtype(), [&](std::int64_t i) { return gen.uniform() < p[i] ? 1.0 : 0.0; });
  });
}

}  // namespace soma
