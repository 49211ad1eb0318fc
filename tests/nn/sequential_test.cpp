// Tests for Sequential (src/nn/sequential.cpp, include/soma/nn/sequential.h): layers run in
// order, "layers.N" names, typed access with at<T> and its errors, shared layer handles, and
// errors from a layer wrapped with "layers.N (Type): ...".
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/ops/activation.h"
#include "soma/ops/linalg.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {
using test::values;
using test::error_message;

TEST(NnSequential, ForwardAppliesLayersInOrder) {
  Generator gen(3);
  Sequential net{Dense(DenseOptions{.in = 3, .out = 4, .dtype = DType::f64}, gen), Tanh(),
                 Dense(DenseOptions{.in = 4, .out = 2, .dtype = DType::f64}, gen)};
  const Tensor x = normal({5, 3}, 0, 1, gen, DType::f64);
  const auto& d0 = net.at<Dense>(0);
  const auto& d2 = net.at<Dense>(2);
  const Tensor expected = linear(tanh(linear(x, d0.weight(), d0.bias())), d2.weight(), d2.bias());
  EXPECT_EQ(values(net(x)), values(expected));
  EXPECT_EQ(net.size(), 3u);
  EXPECT_EQ(net.type_name(), "Sequential");
}

TEST(NnSequential, EmptySequentialIsTheIdentity) {
  Sequential net;
  const Tensor x = tensor({1, 2});
  EXPECT_EQ(values(net(x)), values(x));
  EXPECT_EQ(net.size(), 0u);
}

TEST(NnSequential, AtReturnsTheConcreteLayerOrThrows) {
  Sequential net{Dense(2, 3), ReLU()};
  EXPECT_EQ(net.at<Dense>(0).options().out, 3);
  EXPECT_EQ(net.at<ReLU>(1).type_name(), "ReLU");
  EXPECT_EQ(net[1].type_name(), "ReLU");
  EXPECT_EQ(error_message([&] { net.at<Dense>(1); }), "Sequential: layer 1 is a ReLU");
  EXPECT_EQ(error_message([&] { net.at<Dense>(2); }), "Sequential: layer 2 is out of range for 2 layers");
  EXPECT_EQ(error_message([&] { net[5]; }), "Sequential: layer 5 is out of range for 2 layers");
}

TEST(NnSequential, PushBackSharesTheLayerWithTheCaller) {
  auto fc = std::make_shared<Dense>(2, 2);
  Sequential net;
  net.push_back(fc);
  net.push_back(Sigmoid());
  EXPECT_EQ(&net.at<Dense>(0), fc.get());
  EXPECT_TRUE(net.parameters()[0].shares_storage(fc->weight()));
  EXPECT_EQ(net.named_parameters()[0].first, "layers.0.weight");
  EXPECT_EQ(net.children()[1].first, "layers.1");
}

TEST(NnSequential, LayerErrorsAreWrappedWithTheLayerName) {
  Sequential net{Dense(4, 3), ReLU(), Dense(2, 1)};
  EXPECT_EQ(error_message([&] { net(zeros({5, 4})); }),
            "layers.2 (Dense): Dense(2 -> 1): expects 2 input features but receives shape [5, 3]");
  EXPECT_EQ(error_message([&] { net(zeros({5, 7})); }),
            "layers.0 (Dense): Dense(4 -> 3): expects 4 input features but receives shape [5, 7]");
}

TEST(NnSequential, NestedSequentialsWrapEachLevel) {
  Sequential inner{Dense(3, 3), Dense(4, 1)};
  Sequential outer{Dense(2, 3), std::move(inner)};
  EXPECT_EQ(error_message([&] { outer(zeros({1, 2})); }),
            "layers.1 (Sequential): layers.1 (Dense): Dense(4 -> 1): expects 4 input features but receives shape [1, 3]");
  EXPECT_EQ(outer.named_parameters()[2].first, "layers.1.layers.0.weight");
}

}  // namespace
}  // namespace soma::nn
