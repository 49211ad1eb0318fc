// Graph: building (each node's shape is checked as it is added, with a batch of 1), shape
// inference for any batch, and forward in node order — nodes are appended only after the
// nodes they read, so the order of creation is already a topological order. Intermediate
// values are released as soon as their last reader has run.
#include "soma/nn/graph.h"

#include <algorithm>
#include <atomic>
#include <span>

#include "soma/ops/arithmetic.h"
#include "soma/ops/view.h"

namespace soma::nn {
namespace {

// "[N, 1, 28, 28]" for a sample shape {1, 28, 28}.
std::string batched(const Shape& sample) {
  std::string s = "[N";
  for (std::int64_t d : sample) s += ", " + std::to_string(d);
  return s + "]";
}

Shape without_batch(const Shape& shape) {
  return Shape(std::span<const std::int64_t>(shape.begin() + 1, shape.end()));
}

Shape with_batch(std::int64_t batch, const Shape& sample) {
  Shape out{batch};
  for (std::int64_t d : sample) out.push_back(d);
  return out;
}

std::uint64_t next_graph_id() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

}  // namespace

std::string Graph::NodeInfo::type_name() const {
  switch (kind) {
    case Kind::input: return "Input";
    case Kind::layer: return layer->type_name();
    case Kind::add: return "Add";
    case Kind::multiply: return "Multiply";
    case Kind::concatenate: return "Concatenate";
  }
  return "?";
}

Graph::Graph() : id_(next_graph_id()) {}

const Graph::NodeInfo& Graph::at(Node x, const char* what) const {
  SOMA_CHECK(x.graph_id_ == id_ && x.index_ >= 0 && x.index_ < int(nodes_.size()), "Graph: the ", what,
             " is not a node of this graph (a default Node, or one made by another Graph)");
  return nodes_[x.index_];
}

// How errors name a node: "conv2 (Conv2d)", "skip (Add)".
static std::string label(const Graph::NodeInfo& node) {
  if (node.kind == Graph::Kind::layer) return display_name(node.name, *node.layer);
  return node.name + " (" + node.type_name() + ")";
}

Shape Graph::node_shape(const NodeInfo& node, const std::vector<Shape>& shapes) const {
  if (node.kind == Kind::layer) return node.layer->output_shape(shapes[node.inputs[0]]);
  const Shape& first = shapes[node.inputs[0]];
  const std::string& first_name = nodes_[node.inputs[0]].name;
  if (node.kind == Kind::add || node.kind == Kind::multiply) {
    for (int in : node.inputs)
      SOMA_CHECK(shapes[in] == first, "the inputs must have equal shapes, got ", first_name, ' ', first, " and ",
                 nodes_[in].name, ' ', shapes[in]);
    return first;
  }
  // concatenate
  const int rank = first.dim();
  const int axis = node.axis < 0 ? node.axis + rank : node.axis;
  SOMA_CHECK(axis >= 1 && axis < rank, "axis ", node.axis, " cannot be joined for inputs of rank ", rank,
             axis == 0 ? " (axis 0 is the batch axis)" : " (out of range)", ", got ", first_name, ' ', first);
  Shape out = first;
  out[axis] = 0;
  for (int in : node.inputs) {
    const Shape& s = shapes[in];
    bool agree = s.dim() == rank;
    for (int d = 0; agree && d < rank; ++d) agree = d == axis || s[d] == first[d];
    SOMA_CHECK(agree, "the inputs must agree on every axis but ", axis, ", got ", first_name, ' ', first, " and ",
               nodes_[in].name, ' ', s);
    out[axis] += s[axis];
  }
  return out;
}

// "; before it: conv1 (Conv2d): input 1x28x28, ... -> 28x28; ..." over the nodes that feed a
// node reading `inputs`, in order, that have arithmetic to show.
std::string Graph::trace(const std::vector<int>& inputs, const std::vector<Shape>& shapes) const {
  const int index = *std::max_element(inputs.begin(), inputs.end()) + 1;
  std::vector<bool> feeds(nodes_.size(), false);
  for (int in : inputs) feeds[in] = true;
  for (int i = index - 1; i >= 0; --i)
    if (feeds[i])
      for (int in : nodes_[i].inputs) feeds[in] = true;
  std::string out;
  for (int i = 0; i < index; ++i) {
    if (!feeds[i] || nodes_[i].kind != Kind::layer) continue;
    const std::string arithmetic = nodes_[i].layer->shape_arithmetic(shapes[nodes_[i].inputs[0]]);
    if (!arithmetic.empty()) out += (out.empty() ? "; before it: " : "; ") + label(nodes_[i]) + ": " + arithmetic;
  }
  return out;
}

Node Graph::append(NodeInfo node) {
  SOMA_CHECK(!node.name.empty() && node.name.find_first_of(". \t\n'\"") == std::string::npos,
             "Graph: a node name must be non-empty and hold no '.', spaces or quotes, got '", node.name, "'");
  for (const auto& other : nodes_)
    SOMA_CHECK(other.name != node.name, "Graph: there is already a node named '", node.name, "'");
  if (node.kind != Kind::input) {
    std::vector<Shape> shapes;
    for (const auto& n : nodes_) shapes.push_back(n.shape);
    try {
      node.shape = node_shape(node, shapes);
    } catch (const Error& e) {
      throw Error("Graph: " + label(node) + ": " + e.what() + trace(node.inputs, shapes));
    }
  }
  if (node.kind == Kind::layer) register_module(node.name, node.layer);
  nodes_.push_back(std::move(node));
  last_use_.push_back(-1);
  return Node(id_, int(nodes_.size()) - 1);
}

Node Graph::input(std::string name, const Shape& sample_shape) {
  SOMA_CHECK(sample_shape.dim() < Shape::kMaxDims, "Graph: input '", name, "' has ", sample_shape.dim(),
             " axes; with the batch axis at most ", Shape::kMaxDims, " fit");
  NodeInfo node;
  node.kind = Kind::input;
  node.name = std::move(name);
  node.shape = with_batch(1, sample_shape);
  Node x = append(std::move(node));
  inputs_.push_back(x.index_);
  return x;
}

Node Graph::layer(std::string name, std::shared_ptr<Module> layer, Node x) {
  SOMA_CHECK(layer, "Graph: the layer of node '", name, "' is null");
  at(x, "input of a layer");
  NodeInfo node;
  node.kind = Kind::layer;
  node.name = std::move(name);
  node.inputs = {x.index_};
  node.layer = std::move(layer);
  return append(std::move(node));
}

Node Graph::merge(Kind kind, std::string name, const std::vector<Node>& xs, int axis) {
  NodeInfo node;
  node.kind = kind;
  node.name = std::move(name);
  node.axis = axis;
  SOMA_CHECK(xs.size() >= 2, "Graph: ", node.name, " (", node.type_name(), ") needs at least two inputs, got ",
             xs.size());
  for (const Node& x : xs) {
    at(x, "input of a merge");
    node.inputs.push_back(x.index_);
  }
  return append(std::move(node));
}

Node Graph::add(std::string name, const std::vector<Node>& xs) { return merge(Kind::add, std::move(name), xs, 0); }

Node Graph::multiply(std::string name, const std::vector<Node>& xs) {
  return merge(Kind::multiply, std::move(name), xs, 0);
}

Node Graph::concatenate(std::string name, const std::vector<Node>& xs, int axis) {
  return merge(Kind::concatenate, std::move(name), xs, axis);
}

void Graph::output(Node y) {
  at(y, "output");
  outputs_.push_back(y.index_);
  // Which nodes the outputs need, and after which node each value can be released.
  const int n = int(nodes_.size());
  std::vector<bool> needed(n, false);
  for (int o : outputs_) needed[o] = true;
  for (int i = n - 1; i >= 0; --i)
    if (needed[i])
      for (int in : nodes_[i].inputs) needed[in] = true;
  std::fill(last_use_.begin(), last_use_.end(), -1);  // -1: not needed
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    last_use_[i] = std::max(last_use_[i], i);
    for (int in : nodes_[i].inputs) last_use_[in] = std::max(last_use_[in], i);
  }
  for (int o : outputs_) last_use_[o] = n;  // outputs are returned, never released
}

std::vector<Shape> Graph::input_shapes() const {
  std::vector<Shape> out;
  for (int i : inputs_) out.push_back(without_batch(nodes_[i].shape));
  return out;
}

Shape Graph::sample_shape(Node x) const { return without_batch(at(x, "node").shape); }

std::vector<Shape> Graph::infer_shapes(const std::vector<Shape>& inputs) const {
  SOMA_CHECK(inputs.size() == inputs_.size(), "Graph: expected ", inputs_.size(), " input shapes, got ",
             inputs.size());
  std::vector<Shape> shapes(nodes_.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const NodeInfo& node = nodes_[inputs_[k]];
    const Shape sample = without_batch(node.shape);
    SOMA_CHECK(inputs[k].dim() == sample.dim() + 1 && without_batch(inputs[k]) == sample, "Graph: input '",
               node.name, "' expects ", batched(sample), " but receives ", inputs[k]);
    shapes[inputs_[k]] = inputs[k];
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind == Kind::input) continue;
    try {
      shapes[i] = node_shape(nodes_[i], shapes);
    } catch (const Error& e) {
      throw Error(label(nodes_[i]) + ": " + e.what() + trace(nodes_[i].inputs, shapes));
    }
  }
  return shapes;
}

Tensor Graph::evaluate(const NodeInfo& node, const std::vector<Tensor>& values) {
  try {
    switch (node.kind) {
      case Kind::layer: return node.layer->forward(values[node.inputs[0]]);
      case Kind::add:
      case Kind::multiply: {
        Tensor y = values[node.inputs[0]];
        for (std::size_t k = 1; k < node.inputs.size(); ++k)
          y = node.kind == Kind::add ? y + values[node.inputs[k]] : y * values[node.inputs[k]];
        return y;
      }
      case Kind::concatenate: {
        std::vector<Tensor> xs;
        for (int in : node.inputs) xs.push_back(values[in]);
        return cat(xs, node.axis);
      }
      case Kind::input: break;
    }
  } catch (const Error& e) {
    throw Error(label(node) + ": " + e.what());
  }
  return values[0];  // unreachable: inputs are never evaluated
}

std::vector<Tensor> Graph::forward_all(const std::vector<Tensor>& inputs) {
  SOMA_CHECK(!outputs_.empty(), "Graph: there are no outputs; mark them with output(node)");
  SOMA_CHECK(inputs.size() == inputs_.size(), "Graph: expected ", inputs_.size(), " inputs but received ",
             inputs.size());
  std::vector<Tensor> values(nodes_.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const NodeInfo& node = nodes_[inputs_[k]];
    const Shape sample = without_batch(node.shape);
    const Tensor& x = inputs[k];
    SOMA_CHECK(x.defined(), "Graph: input '", node.name, "' is undefined");
    SOMA_CHECK(x.dim() == sample.dim() + 1 && without_batch(x.shape()) == sample &&
                   x.size(0) == inputs[0].size(0),
               "Graph: input '", node.name, "' expects ", batched(sample), " but receives ", x.shape(),
               k > 0 ? " (all inputs share one batch size, " + std::to_string(inputs[0].size(0)) + ")" : "");
    values[inputs_[k]] = x;
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const NodeInfo& node = nodes_[i];
    if (node.kind == Kind::input || last_use_[i] < 0) continue;
    values[i] = evaluate(node, values);
    for (int in : node.inputs)
      if (last_use_[in] == int(i)) values[in] = Tensor();
  }
  std::vector<Tensor> out;
  for (int o : outputs_) out.push_back(values[o]);
  return out;
}

Tensor Graph::forward(const Tensor& x) {
  SOMA_CHECK(inputs_.size() == 1 && outputs_.size() == 1, "Graph: forward(x) needs one input and one output, this graph has ",
             inputs_.size(), " inputs and ", outputs_.size(), " outputs; use forward_all");
  return forward_all({x})[0];
}

Shape Graph::output_shape(const Shape& input) const {
  SOMA_CHECK(inputs_.size() == 1 && outputs_.size() == 1,
             "Graph: output_shape(input) needs one input and one output, this graph has ", inputs_.size(),
             " inputs and ", outputs_.size(), " outputs; use infer_shapes");
  return infer_shapes({input})[outputs_[0]];
}

std::int64_t Graph::flops(const Shape& input) const {
  SOMA_CHECK(inputs_.size() == 1, "Graph: flops(input) needs one input, this graph has ", inputs_.size());
  const std::vector<Shape> shapes = infer_shapes({input});
  std::int64_t total = 0;
  for (const auto& node : nodes_)
    if (node.kind == Kind::layer) total += node.layer->flops(shapes[node.inputs[0]]);
  return total;
}

}  // namespace soma::nn
