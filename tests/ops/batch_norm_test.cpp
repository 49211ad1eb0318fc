// Tests of include/soma/ops/batch_norm.h: float64 gradchecks of the fused node in training
// mode (x, weight, bias; [N, C], [N, C, L] and [N, C, H, W]; without affine parameters) and in
// evaluation mode; forward values and running-statistics updates against a loop written out
// here; float32 accuracy when |mean| >> std; identical results at 1 and 2 threads; errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/batch_norm.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::values;

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;
using In = const std::vector<Tensor>&;

Tensor gamma64(std::int64_t C, std::uint64_t seed = 21) {
  Generator gen(seed);
  return uniform({C}, 0.5, 1.5, gen, DType::f64);
}

// The textbook formula in double, for x [N, C, *]: batch statistics (biased variance) when
// mean/var are empty, else the given per-channel ones.
std::vector<double> reference(const Tensor& x, std::vector<double> mean, std::vector<double> var,
                              const std::vector<double>& w, const std::vector<double>& b, double eps) {
  const Tensor d = x.to(DType::f64);
  const std::int64_t N = d.size(0), C = d.size(1), inner = d.numel() / (N * C);
  const double* p = d.data<double>();
  auto at = [&](std::int64_t n, std::int64_t c, std::int64_t i) { return p[(n * C + c) * inner + i]; };
  if (mean.empty()) {
    mean.assign(C, 0);
    var.assign(C, 0);
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t i = 0; i < inner; ++i) mean[c] += at(n, c, i);
      mean[c] /= double(N * inner);
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t i = 0; i < inner; ++i) var[c] += (at(n, c, i) - mean[c]) * (at(n, c, i) - mean[c]);
      var[c] /= double(N * inner);
    }
  }
  std::vector<double> out(d.numel());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < inner; ++i)
        out[(n * C + c) * inner + i] =
            (at(n, c, i) - mean[c]) / std::sqrt(var[c] + eps) * (w.empty() ? 1 : w[c]) + (b.empty() ? 0 : b[c]);
  return out;
}

TEST(LayerBatchNormOp, GradcheckTrainingInXWeightBias) {
  for (const Shape& shape : {Shape{6, 4}, Shape{4, 3, 5}, Shape{2, 3, 2, 2}}) {
    SCOPED_TRACE(shape.str());
    const std::int64_t C = shape[1];
    EXPECT_TRUE(gradcheck([](In in) { return batch_norm(in[0], {}, {}, in[1], in[2], true); },
                          {random64(shape, 1, 0.5, 2.0), gamma64(C), random64({C}, 2)}));
  }
}

TEST(LayerBatchNormOp, GradcheckTrainingWithRunningStatsAndFixedAffine) {
  // The running statistics change on every call of the gradcheck; the output must not care.
  Tensor rm = zeros({3}, DType::f64), rv = ones({3}, DType::f64);
  const Tensor w = gamma64(3), b = random64({3}, 2);
  EXPECT_TRUE(gradcheck([&](In in) { return batch_norm(in[0], rm, rv, w, b, true, 0.1); }, {random64({5, 3})}));
}

TEST(LayerBatchNormOp, GradcheckTrainingWithoutAffine) {
  EXPECT_TRUE(gradcheck([](In in) { return batch_norm(in[0], {}, {}, {}, {}, true); }, {random64({4, 3, 2})}));
}

TEST(LayerBatchNormOp, GradcheckTrainingWithLargeEps) {
  EXPECT_TRUE(gradcheck([](In in) { return batch_norm(in[0], {}, {}, in[1], in[2], true, 0.1, 0.5); },
                        {random64({5, 2}, 3, 0, 0.3), gamma64(2), random64({2}, 4)}));
}

TEST(LayerBatchNormOp, GradcheckEvaluation) {
  const Tensor rm = random64({4}, 5, 0, 0.5);
  Generator gen(6);
  const Tensor rv = uniform({4}, 0.5, 2.0, gen, DType::f64);
  EXPECT_TRUE(gradcheck([&](In in) { return batch_norm(in[0], rm, rv, in[1], in[2], false); },
                        {random64({6, 4}), gamma64(4), random64({4}, 2)}));
  EXPECT_TRUE(gradcheck([&](In in) { return batch_norm(in[0], rm, rv, {}, {}, false); }, {random64({3, 4, 2})}));
}

TEST(LayerBatchNormOp, TrainingNormalizesWithBatchStatistics) {
  const Tensor x = random64({7, 3, 4}, 8, 2.0, 3.0);
  const Tensor w = gamma64(3), b = random64({3}, 9);
  const Tensor y = batch_norm(x, {}, {}, w, b, true, 0.1, 1e-5);
  EXPECT_TRUE(values_near(y, x.shape(), DType::f64, reference(x, {}, {}, values(w), values(b), 1e-5), 1e-13));
  // Without affine parameters each channel has mean 0 and variance var / (var + eps).
  const Tensor z = batch_norm(x, {}, {}, {}, {}, true, 0.1, 0.0);
  const Tensor channel_mean = mean(mean(z, 2), 0);
  const Tensor channel_var = mean(mean(z * z, 2), 0);
  EXPECT_TRUE(values_near(channel_mean, {3}, DType::f64, {0, 0, 0}, 1e-14));
  EXPECT_TRUE(values_near(channel_var, {3}, DType::f64, {1, 1, 1}, 1e-13));
}

TEST(LayerBatchNormOp, TrainingUpdatesRunningStatsWithUnbiasedVariance) {
  // Channel 0: 1, 3, 5 (mean 3, biased var 8/3, unbiased 4); channel 1: 10, 20, 60 (mean 30,
  // unbiased var 700).
  const Tensor x = tensor({{1, 10}, {3, 20}, {5, 60}}, DType::f64);
  Tensor rm = zeros({2}, DType::f64), rv = ones({2}, DType::f64);
  batch_norm(x, rm, rv, {}, {}, true, 0.1);
  EXPECT_TRUE(values_near(rm, {2}, DType::f64, {0.3, 3.0}, 1e-15));
  EXPECT_TRUE(values_near(rv, {2}, DType::f64, {0.9 + 0.4, 0.9 + 70}, 1e-15));
  batch_norm(x, rm, rv, {}, {}, true, 0.5);
  EXPECT_TRUE(values_near(rm, {2}, DType::f64, {0.15 + 1.5, 1.5 + 15}, 1e-15));
  EXPECT_TRUE(values_near(rv, {2}, DType::f64, {0.65 + 2, 35.45 + 350}, 1e-15));
  // The output used the biased variance: (1 - 3) / sqrt(8/3).
  const Tensor y = batch_norm(x, {}, {}, {}, {}, true, 0.1, 0.0);
  EXPECT_NEAR(y.at({0, 0}), -2 / std::sqrt(8.0 / 3), 1e-14);
}

TEST(LayerBatchNormOp, EvaluationUsesRunningStatsAndLeavesThemAlone) {
  const Tensor x = random64({5, 3});
  const Tensor rm = tensor({0.5, -1, 2}, DType::f64), rv = tensor({1, 4, 0.25}, DType::f64);
  const Tensor w = gamma64(3), b = random64({3}, 9);
  const Tensor y = batch_norm(x, rm, rv, w, b, false, 0.1, 1e-5);
  EXPECT_TRUE(values_near(y, {5, 3}, DType::f64, reference(x, values(rm), values(rv), values(w), values(b), 1e-5),
                          1e-14));
  EXPECT_TRUE(values_near(rm, {3}, DType::f64, {0.5, -1, 2}, 0));
  EXPECT_TRUE(values_near(rv, {3}, DType::f64, {1, 4, 0.25}, 0));
  // A single sample is fine in evaluation mode.
  EXPECT_NO_THROW(batch_norm(random64({1, 3}), rm, rv, w, b, false));
}

TEST(LayerBatchNormOp, Float32StaysAccurateWhenTheMeanDwarfsTheSpread) {
  Generator gen(12);
  const Tensor x = normal({256, 4}, 1000, 0.01, gen, DType::f32);
  const Tensor y = batch_norm(x, {}, {}, {}, {}, true, 0.1, 0.0);
  // The reference normalizes the same float32 inputs in double.
  EXPECT_TRUE(values_near(y, {256, 4}, DType::f32, reference(x, {}, {}, {}, {}, 0.0), 2e-6));
}

TEST(LayerBatchNormOp, ResultsDoNotDependOnTheThreadCount) {
  const int saved = num_threads();
  Generator gen(13);
  const Tensor x0 = normal({256, 64, 4}, 1, 2, gen, DType::f32);
  const Tensor w0 = uniform({64}, 0.5, 1.5, gen), b0 = normal({64}, 0, 1, gen);
  const Tensor r = normal(x0.shape(), 0, 1, gen);
  std::vector<std::vector<double>> runs;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor x = x0.copy(), w = w0.copy(), b = b0.copy();
    x.set_requires_grad();
    w.set_requires_grad();
    b.set_requires_grad();
    Tensor rm = zeros({64}), rv = ones({64});
    const Tensor y = batch_norm(x, rm, rv, w, b, true);
    sum(y * r).backward();
    std::vector<double> all;
    for (const Tensor& t : {y, rm, rv, x.grad(), w.grad(), b.grad()}) {
      const auto v = values(t);
      all.insert(all.end(), v.begin(), v.end());
    }
    runs.push_back(all);
  }
  set_num_threads(saved);
  EXPECT_TRUE(runs[0] == runs[1]);
}

TEST(LayerBatchNormOp, Errors) {
  const Tensor x = random64({4, 3});
  const Tensor c3 = ones({3}, DType::f64);
  EXPECT_TRUE(throws_error_with([&] { batch_norm(random64({4}), {}, {}, {}, {}, true); },
                                {"batch_norm", "[N, C, *]", "[4]"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(x, {}, {}, ones({4}, DType::f64), {}, true); },
                                {"batch_norm", "weight", "[3]", "[4, 3]", "[4]"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(x, {}, {}, c3, ones({3}), true); },
                                {"batch_norm", "bias", "float32", "float64"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(x, c3, {}, {}, {}, true); }, {"running_mean and running_var"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(x, {}, {}, {}, {}, false); }, {"evaluation", "running_mean"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(x, {}, {}, {}, {}, true, 0.1, -1); }, {"eps"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(random64({1, 3}), {}, {}, {}, {}, true); },
                                {"Expected more than 1 value per channel when training", "[1, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { batch_norm(random64({1, 3, 1}), {}, {}, {}, {}, true); },
                                {"Expected more than 1 value per channel", "[1, 3, 1]"}));
  EXPECT_NO_THROW(batch_norm(random64({1, 3, 2}), {}, {}, {}, {}, true)) << "two values per channel suffice";
  EXPECT_TRUE(throws_error_with([&] { batch_norm(tensor({1, 2, 3, 4}, {2, 2}, DType::i64), {}, {}, {}, {}, true); },
                                {"batch_norm", "int64"}));
}

}  // namespace
}  // namespace soma
