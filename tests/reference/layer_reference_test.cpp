// Reference-value tests against PyTorch for the regularization layers: batch_norm in training
// and evaluation mode (outputs and gradients of x, weight and bias), BatchNorm1d's running
// statistics over 3 training steps (momentum 0.1, 0.3 and None) then evaluation, dropout with
// a fixed mask and its deterministic corners, and Keras-style L1/L2 penalties, from
// tests/reference/data/layers.json (written by make_layer_reference.py; no Python runs here).
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "reference/reference_support.h"
#include "soma/soma.h"

namespace soma::test::reference {
namespace {

// Copies reference values into an existing parameter (outside the graph).
void assign(const Tensor& param, const Json& values) {
  const Tensor v = decode(values);
  ASSERT_TRUE(v.shape() == param.shape()) << v.shape() << " into " << param.shape();
  std::memcpy(param.raw_data(), v.raw_data(), v.numel() * sizeof(double));
}

TEST(LayerReference, OpsMatchPyTorch) {
  Generator gen(1);  // unused by the deterministic dropout cases, which draw nothing
  const OpTable table = {
      {"batch_norm",
       [](const auto& in, const Json& args) {
         // The case's own running statistics (copies: training updates them in place).
         return batch_norm(in.at(0), in.at(3).copy(), in.at(4).copy(), in.at(1), in.at(2),
                           args.at("training").get<bool>(), args.at("momentum").get<double>(),
                           args.at("eps").get<double>());
       }},
      {"batch_norm_plain",
       [](const auto& in, const Json& args) {
         return batch_norm(in.at(0), {}, {}, {}, {}, true, 0.1, args.at("eps").get<double>());
       }},
      {"dropout_with_mask",
       [](const auto& in, const Json& args) {
         return dropout_with_mask(in.at(0), in.at(1), args.at("scale").get<double>());
       }},
      {"dropout",
       [&gen](const auto& in, const Json& args) {
         return dropout(in.at(0), args.at("p").get<double>(), args.at("training").get<bool>(), gen);
       }},
      {"penalty",
       [](const auto& in, const Json& args) {
         return nn::Regularizer{.l1 = args.at("l1").get<double>(), .l2 = args.at("l2").get<double>()}(in.at(0));
       }},
  };
  check_group("layers.json", table);
}

// nn.BatchNorm1d trained for 3 steps on PyTorch's batches: each step's output, running
// statistics and num_batches_tracked; then evaluation with the gradients of sum(out * r).
TEST(LayerReference, BatchNorm1dRunningStatisticsMatchPyTorch) {
  const Json doc = load("layers.json");
  ASSERT_EQ(doc.at("batch_norm_runs").size(), 4u);
  for (const Json& run : doc.at("batch_norm_runs")) {
    const std::string name = run.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const std::optional<double> momentum =
        run.at("momentum").is_null() ? std::nullopt : std::optional<double>(run.at("momentum").get<double>());
    nn::BatchNorm1d bn(run.at("num_features").get<std::int64_t>(),
                       {.eps = run.at("eps").get<double>(), .momentum = momentum, .dtype = DType::f64});
    assign(bn.weight(), run.at("weight"));
    assign(bn.bias(), run.at("bias"));
    int step = 0;
    for (const Json& s : run.at("steps")) {
      const std::string at = name + " step " + std::to_string(++step);
      const Tensor out = bn(decode(s.at("x")));
      EXPECT_TRUE(matches(out, s.at("output"), kRtol, at + " output"));
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
    EXPECT_TRUE(matches(bn.weight().grad(), e.at("grad_weight"), kRtol, name + " eval gradient of weight"));
    EXPECT_TRUE(matches(bn.bias().grad(), e.at("grad_bias"), kRtol, name + " eval gradient of bias"));
  }
}

// A Dense layer with kernel_regularizer l1_l2 and bias_regularizer l2: PyTorch's value of the
// same penalties, and their gradients.
TEST(LayerReference, DenseRegularizationLossMatchesPyTorch) {
  const Json c = load("layers.json").at("dense_regularization");
  const Json &k = c.at("kernel"), &b = c.at("bias_penalty");
  nn::Dense fc({.in = c.at("in").get<std::int64_t>(),
                .out = c.at("out").get<std::int64_t>(),
                .dtype = DType::f64,
                .kernel_regularizer = nn::l1_l2(k.at("l1").get<double>(), k.at("l2").get<double>()),
                .bias_regularizer = nn::l1_l2(b.at("l1").get<double>(), b.at("l2").get<double>())});
  assign(fc.weight(), c.at("weight"));
  assign(fc.bias(), c.at("bias"));
  const Tensor loss = fc.regularization_loss();
  const double expected = c.at("loss").get<double>();
  EXPECT_NEAR(loss.item(), expected, kRtol * std::abs(expected));
  loss.backward();
  EXPECT_TRUE(matches(fc.weight().grad(), c.at("grad_weight"), kRtol, "gradient of weight"));
  EXPECT_TRUE(matches(fc.bias().grad(), c.at("grad_bias"), kRtol, "gradient of bias"));
}

}  // namespace
}  // namespace soma::test::reference
