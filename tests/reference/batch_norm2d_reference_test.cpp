// Reference-value test against PyTorch for nn::BatchNorm2d: 3 training steps (outputs, running
// statistics, num_batches_tracked) then evaluation with the gradients of x, weight and bias,
// for momentum 0.1 / 0.3 / None, eps 1e-3, no affine parameters, no running statistics and
// 1x1 planes. Values from tests/reference/data/batch_norm2d.json, written by
// make_batch_norm2d_reference.py; nothing here runs Python.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "reference/reference_support.h"
#include "soma/nn/batch_norm.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"

namespace soma::test::reference {
namespace {

void assign(const Tensor& param, const Json& values) {
  const Tensor v = decode(values);
  ASSERT_TRUE(v.shape() == param.shape()) << v.shape() << " into " << param.shape();
  std::memcpy(param.raw_data(), v.raw_data(), v.numel() * sizeof(double));
}

TEST(BatchNorm2dReference, TrainingStepsThenEvalMatchPyTorch) {
  const Json doc = load("batch_norm2d.json");
  ASSERT_EQ(doc.at("runs").size(), 6u);
  for (const Json& run : doc.at("runs")) {
    const std::string name = run.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const std::optional<double> momentum =
        run.at("momentum").is_null() ? std::nullopt : std::optional<double>(run.at("momentum").get<double>());
    const bool affine = run.at("affine").get<bool>(), track = run.at("track_running_stats").get<bool>();
    nn::BatchNorm2d bn(run.at("num_features").get<std::int64_t>(), {.eps = run.at("eps").get<double>(),
                                                                     .momentum = momentum,
                                                                     .affine = affine,
                                                                     .track_running_stats = track,
                                                                     .dtype = DType::f64});
    ASSERT_EQ(bn.weight().defined(), affine);
    ASSERT_EQ(bn.running_mean().defined(), track);
    if (affine) {
      assign(bn.weight(), run.at("weight"));
      assign(bn.bias(), run.at("bias"));
    }
    int step = 0;
    for (const Json& s : run.at("steps")) {
      const std::string at = name + " step " + std::to_string(++step);
      EXPECT_TRUE(matches(bn(decode(s.at("x"))), s.at("output"), kRtol, at + " output"));
      if (!track) continue;
      EXPECT_TRUE(matches(bn.running_mean(), s.at("running_mean"), kRtol, at + " running_mean"));
      EXPECT_TRUE(matches(bn.running_var(), s.at("running_var"), kRtol, at + " running_var"));
      EXPECT_EQ(bn.num_batches_tracked().data<std::int64_t>()[0], s.at("num_batches_tracked").get<std::int64_t>())
          << at;
    }
    bn.eval();
    const Json& e = run.at("eval");
    Tensor x = decode(e.at("x"));
    x.set_requires_grad();
    const Tensor out = bn(x);
    EXPECT_TRUE(matches(out, e.at("output"), kRtol, name + " eval output"));
    sum(out * decode(e.at("projection"))).backward();
    EXPECT_TRUE(matches(x.grad(), e.at("grad_x"), kRtol, name + " eval gradient of x"));
    if (affine) {
      EXPECT_TRUE(matches(bn.weight().grad(), e.at("grad_weight"), kRtol, name + " eval gradient of weight"));
      EXPECT_TRUE(matches(bn.bias().grad(), e.at("grad_bias"), kRtol, name + " eval gradient of bias"));
    }
  }
}

}  // namespace
}  // namespace soma::test::reference
