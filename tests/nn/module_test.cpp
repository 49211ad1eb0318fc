// Tests for Module (src/nn/module.cpp): registration of parameters, buffers and children,
// dotted names, parameter counts, and the train/eval flag propagating through the tree.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/module.h"
#include "soma/nn/sequential.h"

namespace soma::nn {
namespace {

// A module with one parameter, one buffer and an optional child, to reach every registry.
class Probe : public Module {
 public:
  explicit Probe(std::shared_ptr<Module> child = nullptr) {
    scale_ = register_parameter("scale", ones({3}));
    register_buffer("count", zeros({1}));
    if (child) register_module("inner", std::move(child));
  }
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Probe"; }
  void add_child(std::string name, std::shared_ptr<Module> child) { register_module(std::move(name), std::move(child)); }

 private:
  Tensor scale_;
};

std::vector<std::string> names(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

TEST(NnModule, NamedParametersUseDottedPathsInRegistrationOrder) {
  Sequential net{Dense(4, 3), ReLU(), Dense(3, 2), Sigmoid(), Dense(2, 1)};
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                      "layers.4.weight", "layers.4.bias"}));
  const auto params = net.parameters();
  ASSERT_EQ(params.size(), 6u);
  EXPECT_EQ(params[0].shape(), (Shape{3, 4}));
  EXPECT_EQ(params[3].shape(), (Shape{2}));
  for (const auto& p : params) {
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
  }
  // parameters() hands out the module's own tensors, not copies.
  EXPECT_TRUE(params[0].shares_storage(net.at<Dense>(0).weight()));
}

TEST(NnModule, NestedModulesNestTheirNames) {
  auto inner = std::make_shared<Probe>();
  Probe outer(std::make_shared<Sequential>(Dense(2, 2), ReLU()));
  outer.add_child("extra", inner);
  EXPECT_EQ(names(outer.named_parameters()),
            (std::vector<std::string>{"scale", "inner.layers.0.weight", "inner.layers.0.bias", "extra.scale"}));
  EXPECT_EQ(names(outer.named_buffers()), (std::vector<std::string>{"count", "extra.count"}));
  EXPECT_EQ(outer.children().size(), 2u);
  EXPECT_EQ(outer.children()[1].first, "extra");
  EXPECT_EQ(outer.children()[1].second.get(), inner.get());
}

TEST(NnModule, BuffersAreNotParameters) {
  Probe p;
  EXPECT_EQ(p.parameters().size(), 1u);
  EXPECT_EQ(p.parameter_count(), 3);
  ASSERT_EQ(p.named_buffers().size(), 1u);
  EXPECT_FALSE(p.named_buffers()[0].second.requires_grad());
}

TEST(NnModule, ParameterCountOfAnMlp) {
  Sequential net{Dense(784, 256), ReLU(), Dense(256, 10)};
  EXPECT_EQ(net.parameter_count(), 784 * 256 + 256 + 256 * 10 + 10);  // 203,530
  EXPECT_EQ(Dense(DenseOptions{.in = 5, .out = 4, .bias = false}).parameter_count(), 20);
  EXPECT_EQ(ReLU().parameter_count(), 0);
}

TEST(NnModule, TrainAndEvalPropagateToEveryDescendant) {
  Probe outer(std::make_shared<Sequential>(Dense(2, 2), ReLU()));
  auto& inner = static_cast<Sequential&>(*outer.children()[0].second);
  EXPECT_TRUE(outer.is_training());
  EXPECT_TRUE(inner[1].is_training());
  outer.eval();
  EXPECT_FALSE(outer.is_training());
  EXPECT_FALSE(inner.is_training());
  EXPECT_FALSE(inner[0].is_training());
  EXPECT_FALSE(inner[1].is_training());
  outer.train();
  EXPECT_TRUE(inner[0].is_training());
  outer.train(false);
  EXPECT_FALSE(inner[1].is_training());
}

TEST(NnModule, ChildAddedToAnEvalModuleStartsInEval) {
  Probe outer;
  outer.eval();
  auto child = std::make_shared<ReLU>();
  EXPECT_TRUE(child->is_training());
  outer.add_child("late", child);
  EXPECT_FALSE(child->is_training());
}

TEST(NnModule, NullChildIsRejected) {
  Probe outer;
  try {
    outer.add_child("missing", nullptr);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Probe: child module 'missing' is null");
  }
}

TEST(NnModule, ALayerWithoutShapeInferenceSaysSo) {
  Probe probe;
  try {
    probe.output_shape({2, 3});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Probe does not support shape inference (it does not override nn::Module::output_shape)");
  }
  EXPECT_EQ(probe.shape_arithmetic({2, 3}), "");
  EXPECT_EQ(probe.flops({2, 3}), 0);
}

TEST(NnModule, NamesAreOptionalAndShownWithThePath) {
  Probe probe;
  EXPECT_EQ(probe.name(), "");
  EXPECT_EQ(display_name("layers.3", probe), "layers.3 (Probe)");
  EXPECT_EQ(display_name("", probe), "Probe");
  probe.set_name("fc1");
  EXPECT_EQ(display_name("layers.3", probe), "layers.3 'fc1' (Probe)");
  EXPECT_EQ(display_name("fc1", probe), "fc1 (Probe)");
  EXPECT_EQ(display_name("", probe), "'fc1' (Probe)");
  const Dense fc = named("fc2", Dense(2, 3));
  EXPECT_EQ(fc.name(), "fc2");
  for (const char* bad : {"", "a.b", "a b", "it's"}) {
    try {
      probe.set_name(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("Probe: a layer name must be non-empty and hold no '.', spaces or quotes, got '") + bad + "'");
    }
  }
  EXPECT_EQ(probe.name(), "fc1");
}

}  // namespace
}  // namespace soma::nn

namespace soma::nn {
TEST(NnModuleSharing, ASharedLayerListsItsParametersOnce) {
  auto shared = std::make_shared<soma::nn::Dense>(3, 3);
  soma::nn::Sequential net;
  net.push_back(shared);
  net.push_back(soma::nn::ReLU());
  net.push_back(shared);
  const auto named = net.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "layers.0.weight");
  EXPECT_EQ(named[1].first, "layers.0.bias");
  EXPECT_EQ(net.parameter_count(), 12);
}
}  // namespace soma::nn
