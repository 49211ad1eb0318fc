// Gradient clipping: the total norm over several parameters (2, 1 and infinity norms), scaling
// only above max_norm, parameters without gradients, float32, value clipping and the argument
// checks. Values against PyTorch are in optim_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "optim_support.h"
#include "soma/optim/clip_grad.h"

namespace soma::optim {
namespace {

using test::expect_error;

Tensor with_grad(std::initializer_list<double> g, DType dtype = DType::f64) {
  Tensor p = zeros({std::int64_t(g.size())}, dtype).set_requires_grad();
  p.set_grad(tensor(g, dtype));
  return p;
}

TEST(OptimClip, NormBelowMaxLeavesGradients) {
  std::vector<Tensor> params{with_grad({3}), with_grad({0, 4})};
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 10), 5);
  EXPECT_EQ(params[0].grad().item(), 3);
  EXPECT_EQ(params[1].grad().at({1}), 4);
}

TEST(OptimClip, NormAboveMaxScalesAllGradients) {
  std::vector<Tensor> params{with_grad({3}), with_grad({0, -4})};
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 1), 5);  // the norm before clipping
  const double c = 1 / (5 + 1e-6);
  EXPECT_DOUBLE_EQ(params[0].grad().item(), 3 * c);
  EXPECT_DOUBLE_EQ(params[1].grad().at({1}), -4 * c);
  EXPECT_EQ(params[1].grad().at({0}), 0);
}

TEST(OptimClip, OtherNorms) {
  std::vector<Tensor> params{with_grad({3, -1}), with_grad({-4})};
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 100, 1), 8);
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 100, std::numeric_limits<double>::infinity()), 4);
  EXPECT_NEAR(clip_grad_norm(params, 100, 3), std::cbrt(27.0 + 1 + 64), 1e-14);
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 2, std::numeric_limits<double>::infinity()), 4);
  EXPECT_DOUBLE_EQ(params[1].grad().item(), -4 * 2 / (4 + 1e-6));
}

TEST(OptimClip, SkipsParametersWithoutGradient) {
  Tensor bare = zeros({2}, DType::f64).set_requires_grad();
  std::vector<Tensor> params{bare, with_grad({6, 8})};
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 1), 10);
  EXPECT_FALSE(bare.grad().defined());
  EXPECT_DOUBLE_EQ(clip_grad_norm({bare}, 1), 0);
  EXPECT_DOUBLE_EQ(clip_grad_norm({}, 1), 0);
}

TEST(OptimClip, Float32Gradients) {
  std::vector<Tensor> params{with_grad({30, 40}, DType::f32)};
  EXPECT_NEAR(clip_grad_norm(params, 5), 50, 1e-5);
  EXPECT_EQ(params[0].grad().dtype(), DType::f32);
  EXPECT_NEAR(params[0].grad().at({0}), 3, 1e-5);
  EXPECT_NEAR(params[0].grad().at({1}), 4, 1e-5);
}

TEST(OptimClip, ValueClampsEachElement) {
  Tensor bare = zeros({1}, DType::f64).set_requires_grad();
  std::vector<Tensor> params{with_grad({-3, 0.5, 4}), bare};
  clip_grad_value(params, 1);
  EXPECT_EQ(params[0].grad().at({0}), -1);
  EXPECT_EQ(params[0].grad().at({1}), 0.5);
  EXPECT_EQ(params[0].grad().at({2}), 1);
  EXPECT_FALSE(bare.grad().defined());
}

TEST(OptimClip, ChecksArguments) {
  std::vector<Tensor> params{with_grad({1})};
  expect_error([&] { clip_grad_norm(params, -1); }, "clip_grad_norm: max_norm must be >= 0, got -1");
  expect_error([&] { clip_grad_norm(params, 1, 0); }, "clip_grad_norm: norm_type must be > 0");
  expect_error([&] { clip_grad_value(params, -0.5); }, "clip_grad_value: clip_value must be >= 0, got -0.5");
  EXPECT_EQ(params[0].grad().item(), 1);
}

}  // namespace
}  // namespace soma::optim
