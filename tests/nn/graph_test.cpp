// Tests of nn::Graph (src/nn/graph.cpp), the functional model API: a residual block's forward
// equals the hand-composed ops, float64 gradient checks through add, multiply and concatenate,
// several inputs and outputs, shape errors that name the node at build time and at forward,
// parameters named by node (save/load round trip, the Trainer), and its summary.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "soma/core/factory.h"
#include "soma/data/dataset.h"
#include "soma/io/weights.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/loss.h"
#include "soma/nn/sequential.h"
#include "soma/nn/summary.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/conv.h"
#include "soma/ops/linalg.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "soma/optim/sgd.h"
#include "soma/train/trainer.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma::nn {
namespace {

using test::error_message;
using test::values;

Conv2dOptions conv3x3(std::int64_t in, std::int64_t out) {
  return {.in = in, .out = out, .kernel = 3, .padding = 1, .dtype = DType::f64};
}

// relu(conv2(relu(conv1(x))) + x): the residual block of docs/models.md, in float64.
Graph residual_block(Generator& gen) {
  Graph net;
  Node x = net.input("x", {2, 5, 4});
  Node h = net.layer("conv1", Conv2d(conv3x3(2, 2), gen), x);
  h = net.layer("relu1", ReLU(), h);
  h = net.layer("conv2", Conv2d(conv3x3(2, 2), gen), h);
  Node y = net.layer("relu2", ReLU(), net.add("skip", {h, x}));
  net.output(y);
  return net;
}

TEST(NnGraph, ResidualForwardEqualsTheHandComposedOps) {
  Generator gen(11);
  Graph net = residual_block(gen);
  const Tensor x = test::random64({3, 2, 5, 4}, 5);
  const auto& params = net.named_parameters();
  ASSERT_EQ(params.size(), 4u);
  const Conv2dParams same{.padding = 1};
  const Tensor h = relu(conv2d(x, params[0].second, params[1].second, same));
  const Tensor expected = relu(conv2d(h, params[2].second, params[3].second, same) + x);
  EXPECT_EQ(values(net(x)), values(expected));
  EXPECT_EQ(net.output_shape({7, 2, 5, 4}), Shape({7, 2, 5, 4}));
  EXPECT_EQ(net.type_name(), "Graph");
}

TEST(NnGraph, ParametersAreNamedByNode) {
  Generator gen(1);
  Graph net = residual_block(gen);
  std::vector<std::string> names;
  for (const auto& [name, t] : net.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}));
  EXPECT_EQ(net.parameter_count(), 2 * (2 * 2 * 9 + 2));
}

TEST(NnGraph, GradientsFlowThroughAResidualGraph) {
  Generator gen(2);
  Graph net = residual_block(gen);
  // Inputs away from relu's kink at 0 are likely but not certain; the gradcheck step is small.
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return net(in[0]); },
                              {test::random64({2, 2, 5, 4}, 3)}));
  // The parameters' gradients are those of the same ops composed by hand (a fresh graph: the
  // check above has accumulated into the first one's).
  Generator gen2(2);
  Graph fresh = residual_block(gen2);
  const Tensor x = test::random64({2, 2, 5, 4}, 4);
  const Tensor r = test::random64({2, 2, 5, 4}, 6);
  sum(fresh(x) * r).backward();
  std::vector<Tensor> graph_grads;
  for (const Tensor& p : fresh.parameters()) graph_grads.push_back(p.grad());
  std::vector<Tensor> copies;
  for (const Tensor& p : fresh.parameters()) copies.push_back(p.copy().set_requires_grad(true));
  const Conv2dParams same{.padding = 1};
  const Tensor h = relu(conv2d(x, copies[0], copies[1], same));
  sum(relu(conv2d(h, copies[2], copies[3], same) + x) * r).backward();
  for (std::size_t i = 0; i < copies.size(); ++i) EXPECT_EQ(values(graph_grads[i]), values(copies[i].grad())) << i;
}

// Two inputs, two outputs, every merge: a = dense_a(u), b = dense_b(v);
// outputs joined = concatenate(a * b, a + b), head(a).
Graph two_headed(Generator& gen) {
  Graph net;
  Node u = net.input("u", {3});
  Node v = net.input("v", {4});
  Node a = net.layer("dense_a", Dense(DenseOptions{.in = 3, .out = 2, .dtype = DType::f64}, gen), u);
  Node b = net.layer("dense_b", Dense(DenseOptions{.in = 4, .out = 2, .dtype = DType::f64}, gen), v);
  Node joined = net.concatenate("joined", {net.multiply("product", {a, b}), net.add("sum", {a, b})});
  net.output(joined);
  net.output(net.layer("head", Tanh(), a));
  return net;
}

TEST(NnGraph, SeveralInputsAndOutputsWithEveryMerge) {
  Generator gen(5);
  Graph net = two_headed(gen);
  const Tensor u = test::random64({4, 3}, 1), v = test::random64({4, 4}, 2);
  const std::vector<Tensor> out = net.forward_all({u, v});
  ASSERT_EQ(out.size(), 2u);
  const auto& p = net.named_parameters();
  const Tensor a = linear(u, p[0].second, p[1].second), b = linear(v, p[2].second, p[3].second);
  EXPECT_EQ(values(out[0]), values(cat({a * b, a + b}, 1)));
  EXPECT_EQ(values(out[1]), values(tanh(a)));
  EXPECT_EQ(out[0].shape(), Shape({4, 4}));
  EXPECT_EQ(error_message([&] { net.sample_shape(Node()); }),
            "Graph: the node is not a node of this graph (a default Node, or one made by another Graph)");
}

TEST(NnGraph, GradientsFlowThroughMultiplyAndConcatenate) {
  Generator gen(6);
  Graph net = two_headed(gen);
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& in) {
        const auto out = net.forward_all({in[0], in[1]});
        return cat({flatten(out[0], 0), flatten(out[1], 0)}, 0);
      },
      {test::random64({3, 3}, 7), test::random64({3, 4}, 8)}));
}

TEST(NnGraph, ShapesAreCheckedAsNodesAreAdded) {
  Graph net;
  Node x = net.input("image", {1, 28, 28});
  Node c = net.layer("conv2", Conv2d({.in = 1, .out = 32, .kernel = 5, .stride = 2}), x);
  Node f = net.layer("flat", Flatten(), c);
  EXPECT_EQ(net.sample_shape(f), Shape({4608}));
  EXPECT_EQ(error_message([&] { net.layer("fc1", Dense(3136, 128), f); }),
            "Graph: fc1 (Dense): Dense(3136 -> 128) expects 3136 input features but receives 4608 (input [1, "
            "4608]); before it: conv2 (Conv2d): input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12; flat "
            "(Flatten): 32x12x12 -> 4608");
  EXPECT_EQ(error_message([&] { net.layer("c3", Conv2d({.in = 16, .out = 8, .kernel = 3}), c); }),
            "Graph: c3 (Conv2d): Conv2d(16 -> 8, kernel 3) expects 16 input channels but receives 32 (input [1, 32, "
            "12, 12]); before it: conv2 (Conv2d): input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12");
  EXPECT_EQ(error_message([&] { net.add("skip", {c, x}); }),
            "Graph: skip (Add): the inputs must have equal shapes, got conv2 [1, 32, 12, 12] and image [1, 1, 28, "
            "28]; before it: conv2 (Conv2d): input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12");
  EXPECT_EQ(error_message([&] { net.concatenate("cat", {c, x}); }),
            "Graph: cat (Concatenate): the inputs must agree on every axis but 1, got conv2 [1, 32, 12, 12] and "
            "image [1, 1, 28, 28]; before it: conv2 (Conv2d): input 1x28x28, kernel 5, stride 2, padding 0 -> 12x12");
  EXPECT_EQ(error_message([&] { net.concatenate("cat", {x, x}, 0); }),
            "Graph: cat (Concatenate): axis 0 cannot be joined for inputs of rank 4 (axis 0 is the batch axis), got "
            "image [1, 1, 28, 28]");
  EXPECT_EQ(error_message([&] { net.multiply("m", {x}); }), "Graph: m (Multiply) needs at least two inputs, got 1");
  EXPECT_EQ(error_message([&] { net.layer("conv2", ReLU(), x); }), "Graph: there is already a node named 'conv2'");
  EXPECT_EQ(error_message([&] { net.layer("a.b", ReLU(), x); }),
            "Graph: a node name must be non-empty and hold no '.', spaces or quotes, got 'a.b'");
  Graph other;
  Node foreign = other.input("z", {3});
  EXPECT_EQ(error_message([&] { net.layer("r", ReLU(), foreign); }),
            "Graph: the input of a layer is not a node of this graph (a default Node, or one made by another Graph)");
  // The failed calls added nothing: the names are still free and no parameters were registered.
  EXPECT_NO_THROW(net.layer("fc1", Dense(4608, 10), f));
  EXPECT_EQ(net.nodes().size(), 4u);
  EXPECT_EQ(net.named_parameters().size(), 4u);
}

TEST(NnGraph, ForwardChecksItsInputs) {
  Generator gen(5);
  Graph two = two_headed(gen);
  EXPECT_EQ(error_message([&] { two(zeros({2, 3}, DType::f64)); }),
            "Graph: forward(x) needs one input and one output, this graph has 2 inputs and 2 outputs; use forward_all");
  EXPECT_EQ(error_message([&] { two.forward_all({zeros({2, 3}, DType::f64)}); }),
            "Graph: expected 2 inputs but received 1");
  EXPECT_EQ(error_message([&] { two.forward_all({zeros({2, 3}, DType::f64), zeros({2, 5}, DType::f64)}); }),
            "Graph: input 'v' expects [N, 4] but receives [2, 5] (all inputs share one batch size, 2)");
  EXPECT_EQ(error_message([&] { two.forward_all({zeros({2, 3}, DType::f64), zeros({3, 4}, DType::f64)}); }),
            "Graph: input 'v' expects [N, 4] but receives [3, 4] (all inputs share one batch size, 2)");
  Graph one = residual_block(gen);
  EXPECT_EQ(error_message([&] { one(zeros({1, 2, 5, 5}, DType::f64)); }),
            "Graph: input 'x' expects [N, 2, 5, 4] but receives [1, 2, 5, 5]");
  EXPECT_EQ(error_message([&] { one.output_shape({1, 3, 5, 4}); }),
            "Graph: input 'x' expects [N, 2, 5, 4] but receives [1, 3, 5, 4]");
  // A layer failing at forward (here on the dtype) is named by its node.
  EXPECT_NE(error_message([&] { one(zeros({1, 2, 5, 4})); }).find("conv1 (Conv2d): "), std::string::npos);
  Graph empty;
  empty.input("x", {2});
  EXPECT_EQ(error_message([&] { empty.forward_all({zeros({1, 2})}); }), "Graph: there are no outputs; mark them with output(node)");
}

TEST(NnGraph, SaveAndLoadByNodeNames) {
  Generator gen(8), other_gen(9);
  Graph net = residual_block(gen), copy = residual_block(other_gen);
  const auto path = std::filesystem::temp_directory_path() / "soma_graph_test.safetensors";
  io::save(net, path.string());
  io::load(copy, path.string());
  std::filesystem::remove(path);
  const Tensor x = test::random64({2, 2, 5, 4}, 9);
  EXPECT_EQ(values(copy(x)), values(net(x)));
}

TEST(NnGraph, TrainsWithTheTrainer) {
  Generator gen(3);
  Graph net;
  Node x = net.input("x", {2});
  Node h = net.layer("hidden", Dense(DenseOptions{.in = 2, .out = 8, .dtype = DType::f64}, gen), x);
  h = net.layer("act", Tanh(), h);
  Node skip = net.layer("skip", Dense(DenseOptions{.in = 2, .out = 8, .dtype = DType::f64}, gen), x);
  net.output(net.layer("out", Dense(DenseOptions{.in = 8, .out = 1, .dtype = DType::f64}, gen),
                       net.add("sum", {h, skip})));
  const Tensor inputs = tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}, DType::f64);
  const Tensor targets = tensor({0, 1, 1, 0}, {4, 1}, DType::f64);
  auto data = std::make_shared<data::TensorDataset>(inputs, targets);
  optim::SGD opt(net.parameters(), {.lr = 0.1});
  train::Trainer trainer(net, opt, loss::MSE());
  const auto history = trainer.fit(data, {.epochs = 30, .batch_size = 4, .verbose = 0});
  EXPECT_LT(history["loss"].back(), history["loss"].front());
}

TEST(NnGraph, SummaryListsNodesWithTheirInputs) {
  Generator gen(1);
  const std::string expected =
      "Model: Graph, input [N, 2, 5, 4]\n"
      "Layer (type)     Output shape   Param #   FLOPs   Connected to\n"
      "==============================================================\n"
      "x (Input)        [N, 2, 5, 4]         0       0\n"
      "conv1 (Conv2d)   [N, 2, 5, 4]        38     720   x\n"
      "relu1 (ReLU)     [N, 2, 5, 4]         0       0   conv1\n"
      "conv2 (Conv2d)   [N, 2, 5, 4]        38     720   relu1\n"
      "skip (Add)       [N, 2, 5, 4]         0       0   conv2, x\n"
      "relu2 (ReLU)     [N, 2, 5, 4]         0       0   skip\n"
      "==============================================================\n"
      "Total params: 76\n"
      "Trainable params: 76\n"
      "Non-trainable params: 0\n"
      "Buffers (not parameters): 0\n"
      "FLOPs per sample (multiply-adds): 1,440\n";
  const Graph net = residual_block(gen);
  EXPECT_EQ(summary(net), expected);
  EXPECT_EQ(summary(net, {2, 5, 4}), expected);
  EXPECT_EQ(net.flops({1, 2, 5, 4}), 1440);
  EXPECT_EQ(error_message([&] { summary(net, {2, 5, 5}); }),
            "summary: the Graph declares its inputs (1 of them); call nn::summary(graph) without a shape, or give "
            "its input's shape [2, 5, 4], got [2, 5, 5]");
}

// A Sequential inside a node is listed layer by layer; a shared layer's weights are counted once;
// a Graph inside a Sequential is one row.
TEST(NnGraph, NestingAndSharingInSummaries) {
  Graph net;
  Node x = net.input("x", {4});
  auto shared = std::make_shared<Dense>(4, 4);
  Node a = net.layer("a", shared, x);
  Node b = net.layer("b", shared, a);
  net.output(net.layer("head", Sequential{ReLU(), Dense(8, 2)}, net.concatenate("both", {a, b}, -1)));
  std::vector<std::string> names;
  for (const auto& [name, t] : net.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.weight", "a.bias", "head.layers.1.weight", "head.layers.1.bias"}));
  const ModelSummary s = summarize(net);
  std::vector<std::string> rows;
  for (const auto& row : s.layers) rows.push_back(row.layer + " <- " + (row.inputs.empty() ? "" : row.inputs[0]));
  EXPECT_EQ(rows, (std::vector<std::string>{"x (Input) <- ", "a (Dense) <- x", "b (Dense) <- a", "both (Concatenate) <- a",
                                            "head.layers.0 (ReLU) <- both", "head.layers.1 (Dense) <- "}));
  EXPECT_EQ(s.layers[5].output_shape, "[N, 2]");
  EXPECT_EQ(s.total_parameters, 20 + 18);
  EXPECT_EQ(s.flops, 16 + 16 + 16);

  Sequential outer{std::move(net), Dense(2, 1)};
  EXPECT_EQ(outer.output_shape({5, 4}), Shape({5, 1}));
  const ModelSummary o = summarize(outer, {4});
  ASSERT_EQ(o.layers.size(), 2u);
  EXPECT_EQ(o.layers[0].layer, "layers.0 (Graph)");
  EXPECT_EQ(o.layers[0].parameters, 38);
  EXPECT_EQ(o.layers[0].flops, 48);
}

// docs/models.md's residual block, as written there.
TEST(NnGraph, TheDocsResidualBlock) {
  nn::Graph net;
  nn::Node x = net.input("x", {16, 8, 8});  // per sample: C, H, W
  nn::Node h = net.layer("conv1", nn::Conv2d({.in = 16, .out = 16, .kernel = 3, .padding = 1}), x);
  h = net.layer("relu1", nn::ReLU(), h);
  h = net.layer("conv2", nn::Conv2d({.in = 16, .out = 16, .kernel = 3, .padding = 1}), h);
  nn::Node y = net.layer("relu2", nn::ReLU(), net.add("skip", {h, x}));
  net.output(y);
  EXPECT_EQ(net(zeros({3, 16, 8, 8})).shape(), Shape({3, 16, 8, 8}));
  EXPECT_EQ(summarize(net).total_parameters, 2 * (16 * 16 * 9 + 16));
}

// Nodes that no output needs are not computed: this branch would fail on the dtype.
TEST(NnGraph, OnlyTheNodesTheOutputsNeedRun) {
  Graph net;
  Node x = net.input("x", {3});
  net.layer("unused", Dense(3, 2), x);  // float32 weights: would throw on a float64 input
  net.output(net.layer("used", Dense(DenseOptions{.in = 3, .out = 2, .dtype = DType::f64}), x));
  EXPECT_EQ(net(zeros({2, 3}, DType::f64)).shape(), Shape({2, 2}));
}

}  // namespace
}  // namespace soma::nn
