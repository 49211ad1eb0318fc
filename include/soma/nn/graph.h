// Graph: functional models (Keras' functional API) — inputs with shapes, named layers applied
// to nodes, merges (add, multiply, concatenate), several inputs and outputs. Shapes are checked
// as each node is added, so a wrong model fails where it is written, naming the node.
// A Graph is an nn::Module: its parameters are named by node ("conv1.weight"), so save/load,
// optimizers and, for one input and one output, the Trainer work on it. Not here: layers with
// several inputs other than the merges, cycles (a node only reads nodes made before it).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "soma/nn/module.h"

namespace soma::nn {

/// A handle to a node of a Graph, returned by Graph::input, layer and the merges, and passed
/// back to them. Cheap to copy; meaningful only for the Graph that made it.
class Node {
 public:
  Node() = default;
  int index() const { return index_; }

 private:
  friend class Graph;
  Node(std::uint64_t graph_id, int index) : graph_id_(graph_id), index_(index) {}

  std::uint64_t graph_id_ = 0;
  int index_ = -1;
};

/// A model written as a graph of named nodes. A residual block:
///   nn::Graph net;
///   nn::Node x = net.input("x", {16, 8, 8});                       // per sample: C, H, W
///   nn::Node h = net.layer("conv1", nn::Conv2d({.in = 16, .out = 16, .kernel = 3, .padding = 1}), x);
///   h = net.layer("relu1", nn::ReLU(), h);
///   h = net.layer("conv2", nn::Conv2d({.in = 16, .out = 16, .kernel = 3, .padding = 1}), h);
///   nn::Node y = net.layer("relu2", nn::ReLU(), net.add("skip", {h, x}));
///   net.output(y);
///   Tensor out = net(images);  // [N, 16, 8, 8] -> [N, 16, 8, 8]
/// Node names are unique, non-empty, and hold no '.', spaces or quotes: a layer node's name is
/// the prefix of its parameters ("conv1.weight"). Every builder call checks shapes at once
/// (with a batch of 1) and throws soma::Error naming the node, e.g. "Graph: conv2 (Conv2d):
/// Conv2d(32 -> 64, kernel 3) expects 32 input channels but receives 16 (input [1, 16, 8, 8])";
/// a call that throws leaves the graph unchanged.
class Graph : public Module {
 public:
  Graph();

  /// Declares an input; `sample_shape` leaves out the batch axis ({1, 28, 28} for images,
  /// {784} for features). Inputs are fed to forward_all() in the order they are declared.
  Node input(std::string name, const Shape& sample_shape);
  /// Applies `layer` to node `x`. The layer must support shape inference (all of nn/ does).
  /// Passing one shared_ptr to several nodes shares its weights (listed once, under the
  /// first node's name).
  Node layer(std::string name, std::shared_ptr<Module> layer, Node x);
  template <std::derived_from<Module> Layer>
  Node layer(std::string name, Layer layer, Node x) {
    return this->layer(std::move(name), std::make_shared<Layer>(std::move(layer)), x);
  }
  /// Elementwise sum of two or more nodes of equal shape (Keras' Add).
  Node add(std::string name, const std::vector<Node>& xs);
  /// Elementwise product of two or more nodes of equal shape (Keras' Multiply).
  Node multiply(std::string name, const std::vector<Node>& xs);
  static constexpr int kDefaultConcatAxis = 1;  ///< concatenate's axis: channels or features
  /// Joins two or more nodes along `axis`, counted with the batch axis as 0 (so the default
  /// 1 is the channels of [N, C, H, W] and the features of [N, F]; negative counts from the
  /// end). The other axes must agree; the batch axis cannot be joined.
  Node concatenate(std::string name, const std::vector<Node>& xs, int axis = kDefaultConcatAxis);
  /// Marks a node as an output; called once per output, in the order forward_all returns them.
  void output(Node y);

  /// One input, one output: x [N, ...the input's sample shape] -> the output. Throws
  /// soma::Error for another number of inputs or outputs (use forward_all) or a wrong shape.
  Tensor forward(const Tensor& x) override;
  /// Every output, for the inputs in declaration order. Each input must be [N, sample shape]
  /// with one N for all; throws soma::Error naming the input otherwise, or naming the node
  /// whose layer fails.
  std::vector<Tensor> forward_all(const std::vector<Tensor>& inputs);
  std::string type_name() const override { return "Graph"; }

  /// One input, one output: the output's shape for `input` (batch axis first; the rest must be
  /// the declared sample shape).
  Shape output_shape(const Shape& input) const override;
  /// The layers' multiply-adds (merges count none), for one input.
  std::int64_t flops(const Shape& input) const override;

  // ---- what the graph holds, for summaries and tools ----

  enum class Kind : std::uint8_t { input, layer, add, multiply, concatenate };
  struct NodeInfo {
    Kind kind = Kind::input;
    std::string name;
    std::vector<int> inputs;        ///< indices of the nodes it reads, in order
    std::shared_ptr<Module> layer;  ///< for Kind::layer
    int axis = 0;                   ///< for Kind::concatenate, as given
    Shape shape;                    ///< its output shape for a batch of 1
    /// "Input", the layer's type name, "Add", "Multiply" or "Concatenate".
    std::string type_name() const;
  };
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  const std::vector<int>& input_nodes() const { return inputs_; }
  const std::vector<int>& output_nodes() const { return outputs_; }
  /// The declared sample shapes of the inputs, in order.
  std::vector<Shape> input_shapes() const;
  /// A node's output shape without the batch axis (Keras' x.shape[1:]).
  Shape sample_shape(Node x) const;
  /// Every node's output shape for full input shapes (batch axis included), in node order.
  /// Throws soma::Error as the builders do.
  std::vector<Shape> infer_shapes(const std::vector<Shape>& inputs) const;

 private:
  Node append(NodeInfo node);
  const NodeInfo& at(Node x, const char* what) const;
  Shape node_shape(const NodeInfo& node, const std::vector<Shape>& shapes) const;
  std::string trace(const std::vector<int>& inputs, const std::vector<Shape>& shapes) const;
  Node merge(Kind kind, std::string name, const std::vector<Node>& xs, int axis);
  Tensor evaluate(const NodeInfo& node, const std::vector<Tensor>& values);

  std::uint64_t id_;
  std::vector<NodeInfo> nodes_;
  std::vector<int> inputs_, outputs_;
  std::vector<int> last_use_;  // per node: the last node that reads it (or outputs: kept)
};

}  // namespace soma::nn
