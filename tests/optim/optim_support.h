// Support for the optimizer tests. The test problem f(p) = sum_k a_k/2 (p_k - c_k)^2 +
// b sin(w p_k) over a few float64 tensors, whose gradient is computed here with the same double
// expression as in tests/reference/make_optim_reference.py, so both sides feed the optimizers
// equal gradients; and a check that an error message contains the expected words.
#pragma once

#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "soma/core/factory.h"
#include "soma/core/tensor.h"

namespace soma::test {

struct OptimProblem {
  std::vector<Shape> shapes;
  std::vector<std::vector<double>> init, a, c;  // flat, one per tensor
  double b = 0.3, w = 3.0;
};

/// Expects `f` to throw soma::Error whose message contains `needle`.
inline void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing \"" << needle << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what();
  }
}

/// Reads tests/reference/data/<name>; fails the test when the file is missing.
inline nlohmann::json load_reference(const std::string& name) {
  std::ifstream in(std::string(SOMA_REFERENCE_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing reference file " << name << " (run tests/reference/make_optim_reference.py)";
  if (!in.good()) return nlohmann::json::object();
  return nlohmann::json::parse(in);
}

inline OptimProblem problem_from_json(const nlohmann::json& j) {
  OptimProblem p;
  for (const auto& s : j.at("shapes")) p.shapes.push_back(Shape(s.get<std::vector<std::int64_t>>()));
  p.init = j.at("init").get<std::vector<std::vector<double>>>();
  p.a = j.at("a").get<std::vector<std::vector<double>>>();
  p.c = j.at("c").get<std::vector<std::vector<double>>>();
  p.b = j.at("b").get<double>();
  p.w = j.at("w").get<double>();
  return p;
}

/// The same construction as the reference script's fixed_values: scale sin(1.7 k + offset) + shift.
inline std::vector<double> fixed_values(std::int64_t n, double offset, double scale, double shift) {
  std::vector<double> v(n);
  for (std::int64_t k = 0; k < n; ++k) v[k] = scale * std::sin(1.7 * double(k) + offset) + shift;
  return v;
}

/// A built-in problem over tensors of shapes [3, 4], [5] and [2, 2, 2].
inline OptimProblem fixed_problem() {
  OptimProblem p;
  p.shapes = {Shape{3, 4}, Shape{5}, Shape{2, 2, 2}};
  for (std::size_t i = 0; i < p.shapes.size(); ++i) {
    const auto n = p.shapes[i].numel();
    p.init.push_back(fixed_values(n, 0.3 + double(i), 1.5, 0.2));
    p.a.push_back(fixed_values(n, 1.1 + double(i), 0.7, 1.3));
    p.c.push_back(fixed_values(n, 2.9 + double(i), 1.0, -0.4));
  }
  return p;
}

/// Fresh leaf tensors holding the problem's starting point.
inline std::vector<Tensor> make_params(const OptimProblem& p, DType dtype = DType::f64) {
  std::vector<Tensor> params;
  for (std::size_t i = 0; i < p.shapes.size(); ++i)
    params.push_back(from_data(p.init[i], p.shapes[i], dtype).set_requires_grad());
  return params;
}

/// Sets each parameter's gradient a (x - c) + (b w) cos(w x), computed in double.
inline void set_gradients(const OptimProblem& p, const std::vector<Tensor>& params) {
  const double bw = p.b * p.w;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor x = params[i].to(DType::f64);
    const double* v = x.data<double>();
    std::vector<double> g(x.numel());
    for (std::size_t k = 0; k < g.size(); ++k) g[k] = p.a[i][k] * (v[k] - p.c[i][k]) + bw * std::cos(p.w * v[k]);
    Tensor param = params[i];  // a handle: setting its gradient sets the parameter's
    param.set_grad(from_data(g, param.shape(), param.dtype()));
  }
}

/// Copies of `params` as new leaves that require grad (no gradients).
inline std::vector<Tensor> copy_params(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const auto& t : params) out.push_back(t.copy().set_requires_grad());
  return out;
}

}  // namespace soma::test
