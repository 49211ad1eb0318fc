// gradcheck: compares an op's analytic gradients with float64 central differences.
// The output is scalarized by a fixed random projection, sum(out * r) — never a plain sum,
// whose gradient vanishes for ops like softmax. It also checks the backward contract:
// gradients accumulate into existing .grad, every element is written (new storage is
// poisoned with NaN while it runs), and everything stays finite.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::test {

struct GradcheckOptions {
  double eps = 1e-6;    ///< finite-difference step
  double atol = 1e-6;   ///< absolute tolerance
  double rtol = 1e-5;   ///< relative tolerance
  std::uint64_t seed = 7;
};

using GradFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// `inputs` must be float64; each is made a leaf that requires grad (data is copied).
/// Usage: EXPECT_TRUE(gradcheck([](auto& in) { return sigmoid(in[0]); }, {normal({3, 4}, ...)}));
::testing::AssertionResult gradcheck(const GradFunction& f, std::vector<Tensor> inputs,
                                     const GradcheckOptions& options = {});

/// Float64 normal draws of `shape` from a fixed seed (test inputs).
Tensor random64(const Shape& shape, std::uint64_t seed = 1, double mean = 0, double std = 1);

}  // namespace soma::test
