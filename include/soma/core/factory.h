// Creating tensors: constants, ranges, data and random draws (from a Generator).
#pragma once

#include <initializer_list>
#include <span>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma {

Tensor empty(const Shape& shape, DType dtype = DType::f32);
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
/// A 0-dim tensor holding `value`.
Tensor scalar(double value, DType dtype = DType::f32);

/// 1-D tensor from values: tensor({1, 2, 3}).
Tensor tensor(std::initializer_list<double> values, DType dtype = DType::f32);
/// Tensor of `shape` from values: tensor({0, 1, 1, 0}, {4, 1}). Throws when the count differs.
Tensor tensor(std::initializer_list<double> values, const Shape& shape, DType dtype = DType::f32);
/// 2-D tensor from rows: tensor({{1, 2}, {3, 4}}). Throws when rows differ in length.
/// NOTE: a single column {{0}, {1}} is ambiguous in C++; write tensor({0, 1}, {2, 1}).
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype = DType::f32);
/// Tensor of `shape` from values in row-major order. Throws when the count does not match.
Tensor from_data(std::span<const double> values, const Shape& shape, DType dtype = DType::f32);
Tensor from_data(std::span<const float> values, const Shape& shape);
Tensor from_data(std::span<const std::int64_t> values, const Shape& shape);

/// [start, start + step, ...) up to `end` (exclusive), like torch.arange.
Tensor arange(double start, double end, double step = 1, DType dtype = DType::f32);
Tensor arange(double end, DType dtype = DType::f32);
/// n x n identity.
Tensor eye(std::int64_t n, DType dtype = DType::f32);

/// Uniform in [low, high).
Tensor uniform(const Shape& shape, double low = 0, double high = 1, Generator& gen = default_generator(),
               DType dtype = DType::f32);
/// Normal with the given mean and standard deviation.
Tensor normal(const Shape& shape, double mean = 0, double std = 1, Generator& gen = default_generator(),
              DType dtype = DType::f32);
/// Each element 1 with probability p, else 0.
Tensor bernoulli(const Shape& shape, double p, Generator& gen = default_generator(), DType dtype = DType::f32);
/// Elementwise Bernoulli draws with probabilities from `probs` (same shape and dtype).
Tensor bernoulli(const Tensor& probs, Generator& gen = default_generator());

}  // namespace soma
