// Tests of include/soma/nn/batch_norm.h (BatchNorm1d, BatchNorm2d): parameters and buffers as PyTorch names
// and initializes them, running statistics after several training steps (momentum 0.1, 0.3
// and the cumulative average) against a simulation in double, num_batches_tracked, evaluation
// with the running statistics, the options, and the errors (batch size 1, shapes, dtypes).
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::values;

using test::random64;
using test::throws_error_with;
using test::values_near;

std::int64_t batches(const nn::BatchNorm1d& bn) { return bn.num_batches_tracked().data<std::int64_t>()[0]; }

// Per-channel mean and unbiased variance of x [N, C, *], in double.
void batch_stats(const Tensor& x, std::vector<double>& mean, std::vector<double>& unbiased) {
  const std::int64_t N = x.size(0), C = x.size(1), inner = x.numel() / (N * C), m = N * inner;
  const auto v = values(x);
  mean.assign(C, 0);
  unbiased.assign(C, 0);
  for (std::int64_t c = 0; c < C; ++c) {
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < inner; ++i) mean[c] += v[(n * C + c) * inner + i];
    mean[c] /= double(m);
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < inner; ++i) {
        const double d = v[(n * C + c) * inner + i] - mean[c];
        unbiased[c] += d * d;
      }
    unbiased[c] /= double(m - 1);
  }
}

TEST(LayerBatchNorm1d, ParametersAndBuffersAreNamedAndInitializedAsPyTorch) {
  nn::BatchNorm1d bn(3);
  const auto params = bn.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_TRUE(values_near(bn.weight(), {3}, DType::f32, {1, 1, 1}, 0));
  EXPECT_TRUE(values_near(bn.bias(), {3}, DType::f32, {0, 0, 0}, 0));
  EXPECT_TRUE(bn.weight().requires_grad());
  const auto buffers = bn.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[1].first, "running_var");
  EXPECT_EQ(buffers[2].first, "num_batches_tracked");
  EXPECT_TRUE(values_near(bn.running_mean(), {3}, DType::f32, {0, 0, 0}, 0));
  EXPECT_TRUE(values_near(bn.running_var(), {3}, DType::f32, {1, 1, 1}, 0));
  EXPECT_FALSE(bn.running_mean().requires_grad());
  EXPECT_EQ(bn.num_batches_tracked().dtype(), DType::i64);
  EXPECT_EQ(bn.num_batches_tracked().dim(), 0);
  EXPECT_EQ(batches(bn), 0);
  EXPECT_EQ(bn.options().eps, 1e-5);
  EXPECT_EQ(bn.options().momentum, 0.1);
  EXPECT_EQ(bn.type_name(), "BatchNorm1d");
}

TEST(LayerBatchNorm1d, RunningStatisticsAfterSeveralSteps) {
  for (std::optional<double> momentum : {std::optional<double>(0.1), std::optional<double>(0.3),
                                         std::optional<double>()}) {
    SCOPED_TRACE(momentum ? "momentum " + std::to_string(*momentum) : "cumulative average");
    nn::BatchNorm1d bn(4, {.momentum = momentum, .dtype = DType::f64});
    std::vector<double> rm(4, 0), rv(4, 1), mean, unbiased;
    for (int step = 1; step <= 5; ++step) {
      const Tensor x = random64({8, 4}, 100 + step, 0.5 * step, 1 + step);
      bn(x);
      batch_stats(x, mean, unbiased);
      const double f = momentum ? *momentum : 1.0 / step;
      for (int c = 0; c < 4; ++c) {
        rm[c] = (1 - f) * rm[c] + f * mean[c];
        rv[c] = (1 - f) * rv[c] + f * unbiased[c];
      }
      EXPECT_TRUE(values_near(bn.running_mean(), {4}, DType::f64, rm, 1e-13)) << "step " << step;
      EXPECT_TRUE(values_near(bn.running_var(), {4}, DType::f64, rv, 1e-13)) << "step " << step;
      EXPECT_EQ(batches(bn), step);
    }
  }
}

TEST(LayerBatchNorm1d, SequenceInputUsesEveryPositionForTheStatistics) {
  nn::BatchNorm1d bn(3, {.dtype = DType::f64});
  const Tensor x = random64({4, 3, 5}, 7, 1, 2);
  const Tensor y = bn(x);
  EXPECT_EQ(y.shape(), x.shape());
  std::vector<double> mean, unbiased;
  batch_stats(x, mean, unbiased);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(bn.running_mean().at({c}), 0.1 * mean[c], 1e-14);
    EXPECT_NEAR(bn.running_var().at({c}), 0.9 + 0.1 * unbiased[c], 1e-14);
  }
}

TEST(LayerBatchNorm1d, NumBatchesTrackedCountsTrainingCallsOnly) {
  nn::BatchNorm1d bn(2);
  for (int i = 0; i < 3; ++i) bn(normal({5, 2}));
  EXPECT_EQ(batches(bn), 3);
  {
    NoGradGuard no_grad;  // as PyTorch: grad mode does not matter, the train flag does
    bn(normal({5, 2}));
  }
  EXPECT_EQ(batches(bn), 4);
  bn.eval();
  const auto mean_before = values(bn.running_mean());
  bn(normal({5, 2}));
  EXPECT_EQ(batches(bn), 4);
  EXPECT_EQ(values(bn.running_mean()), mean_before);
}

TEST(LayerBatchNorm1d, EvaluationNormalizesWithTheRunningStatistics) {
  nn::BatchNorm1d bn(3, {.dtype = DType::f64});
  for (int step = 0; step < 3; ++step) bn(random64({6, 3}, 30 + step, 2, 3));
  bn.eval();
  const Tensor x = random64({2, 3}, 40);
  const Tensor y = bn(x);
  const auto rm = values(bn.running_mean()), rv = values(bn.running_var()), xv = values(x);
  std::vector<double> expected(6);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c) expected[n * 3 + c] = (xv[n * 3 + c] - rm[c]) / std::sqrt(rv[c] + 1e-5);
  EXPECT_TRUE(values_near(y, {2, 3}, DType::f64, expected, 1e-14));
  bn.train();
  EXPECT_FALSE(values_near(bn(x), {2, 3}, DType::f64, expected, 1e-6)) << "training mode uses the batch's statistics";
}

TEST(LayerBatchNorm1d, BatchOfOneThrowsInTrainingAndChangesNothing) {
  nn::BatchNorm1d bn(4);
  bn(normal({3, 4}));
  const auto rm = values(bn.running_mean()), rv = values(bn.running_var());
  EXPECT_TRUE(throws_error_with([&] { bn(normal({1, 4})); },
                                {"BatchNorm1d(4)", "Expected more than 1 value per channel when training", "[1, 4]"}));
  EXPECT_EQ(batches(bn), 1);
  EXPECT_EQ(values(bn.running_mean()), rm);
  EXPECT_EQ(values(bn.running_var()), rv);
  EXPECT_NO_THROW(bn(normal({1, 4, 3}))) << "three positions make three values per channel";
  bn.eval();
  EXPECT_NO_THROW(bn(normal({1, 4})));
}

TEST(LayerBatchNorm1d, ShapeAndDtypeErrorsNameTheLayer) {
  nn::BatchNorm1d bn(3);
  EXPECT_TRUE(throws_error_with([&] { bn(normal({4, 5})); }, {"BatchNorm1d(3)", "C = 3", "[N, C]", "[4, 5]"}));
  EXPECT_TRUE(throws_error_with([&] { bn(normal({4, 3, 2, 2})); }, {"BatchNorm1d(3)", "[N, C, L]", "[4, 3, 2, 2]"}));
  EXPECT_TRUE(throws_error_with([&] { bn(normal({3})); }, {"BatchNorm1d(3)", "[3]"}));
  EXPECT_TRUE(throws_error_with([&] { bn(random64({4, 3})); }, {"BatchNorm1d(3)", "float64", "float32"}));
  nn::Sequential net{nn::Dense(2, 4), nn::BatchNorm1d(3)};
  EXPECT_TRUE(throws_error_with([&] { net(normal({5, 2})); }, {"layers.1 (BatchNorm1d)", "C = 3", "[5, 4]"}));
}

TEST(LayerBatchNorm1d, OptionsAreChecked) {
  EXPECT_TRUE(throws_error_with([] { nn::BatchNorm1d(0); }, {"num_features", "0"}));
  EXPECT_TRUE(throws_error_with([] { nn::BatchNorm1d(2, {.momentum = 1.5}); }, {"momentum", "1.5"}));
  EXPECT_TRUE(throws_error_with([] { nn::BatchNorm1d(2, {.eps = -1}); }, {"eps"}));
  EXPECT_TRUE(throws_error_with([] { nn::BatchNorm1d(2, {.dtype = DType::i64}); }, {"dtype", "int64"}));
}

TEST(LayerBatchNorm1d, WithoutTrackingBothModesUseTheBatch) {
  nn::BatchNorm1d bn(3, {.track_running_stats = false, .dtype = DType::f64});
  EXPECT_TRUE(bn.named_buffers().empty());
  EXPECT_FALSE(bn.running_mean().defined());
  const Tensor x = random64({5, 3}, 3, 1, 2);
  const auto train_out = values(bn(x));
  bn.eval();
  EXPECT_TRUE(values_near(bn(x), {5, 3}, DType::f64, train_out, 0));
}

TEST(LayerBatchNorm1d, WithoutAffineThereAreNoParameters) {
  nn::BatchNorm1d bn(3, {.affine = false, .dtype = DType::f64});
  EXPECT_TRUE(bn.parameters().empty());
  EXPECT_FALSE(bn.weight().defined());
  Tensor x = random64({6, 3});
  x.set_requires_grad();
  sum(bn(x) * random64({6, 3}, 2)).backward();
  EXPECT_TRUE(x.grad().defined());
}

TEST(LayerBatchNorm1d, TrainsInsideSequential) {
  Generator gen(1);
  nn::Sequential net{nn::Dense(3, 4, gen), nn::BatchNorm1d(4), nn::ReLU(), nn::Dense(4, 1, gen)};
  const auto buffers = net.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "layers.1.running_mean");
  EXPECT_EQ(net.named_parameters()[2].first, "layers.1.weight");
  sum(net(normal({8, 3}, 0, 1, gen))).backward();
  auto& bn = net.at<nn::BatchNorm1d>(1);
  EXPECT_TRUE(bn.weight().grad().defined());
  EXPECT_TRUE(bn.bias().grad().defined());
  EXPECT_EQ(batches(bn), 1);
  net.eval();
  EXPECT_FALSE(bn.is_training());
  net(normal({1, 3}, 0, 1, gen));
  EXPECT_EQ(batches(bn), 1);
}

TEST(LayerBatchNorm2d, StatisticsPerChannelOverBatchAndPixels) {
  nn::BatchNorm2d bn(3, {.dtype = DType::f64});
  const Tensor x = random64({4, 3, 5, 2}, 11, 1, 2);
  const Tensor y = bn(x);
  EXPECT_EQ(y.shape(), x.shape());
  std::vector<double> mean, unbiased;
  batch_stats(x, mean, unbiased);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(bn.running_mean().at({c}), 0.1 * mean[c], 1e-14);
    EXPECT_NEAR(bn.running_var().at({c}), 0.9 + 0.1 * unbiased[c], 1e-14);
  }
  // Normalized output: each channel has mean 0 and biased variance 1 / (1 + eps / var).
  std::vector<double> y_mean, y_unbiased;
  batch_stats(y, y_mean, y_unbiased);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(y_mean[c], 0.0, 1e-12);
  EXPECT_EQ(bn.type_name(), "BatchNorm2d");
}

TEST(LayerBatchNorm2d, GradientsMatchFiniteDifferences) {
  nn::BatchNorm2d bn(2, {.dtype = DType::f64});
  const Tensor x = random64({3, 2, 3, 4}, 12);
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return bn(in[0]); }, {x}));
}

TEST(LayerBatchNorm2d, RankAndChannelErrorsNameTheLayer) {
  nn::BatchNorm2d bn(3);
  EXPECT_TRUE(throws_error_with([&] { bn(normal({4, 3})); }, {"BatchNorm2d(3)", "[N, C, H, W]", "[4, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { bn(normal({4, 2, 5, 5})); }, {"BatchNorm2d(3)", "C = 3", "[4, 2, 5, 5]"}));
}

}  // namespace
}  // namespace soma
