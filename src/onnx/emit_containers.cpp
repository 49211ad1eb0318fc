// Emitters of the layers that hold layers: Sequential (its layers in order), TimeDistributed
// (time folded into the batch around its layer) and Graph (its nodes in order; the merges
// become Sum, Mul and Concat). Children are emitted under their dotted paths.
#include "emit.h"
#include "soma/core/error.h"
#include "soma/nn/sequential.h"
#include "soma/nn/time_distributed.h"

namespace soma::onnx {

namespace {

Value sequential(Context& cx, const nn::Sequential& s, const std::string& path, const Value& x) {
  Value h = x;
  for (const auto& [name, child] : s.children()) h = emit(cx, *child, child_path(path, name), h);
  return h;
}

// [N, T, ...] -> [N*T, ...] -> the layer -> [N, T, ...'].
Value time_distributed(Context& cx, const nn::TimeDistributed& td, const std::string& path, const Value& x) {
  const std::string hint = hint_of(td, path);
  std::vector<std::int64_t> folded{x.shape[0] * x.shape[1]};
  folded.insert(folded.end(), x.shape.begin() + 2, x.shape.end());
  const Value in = reshape(cx, x, Shape(std::span<const std::int64_t>(folded)), hint + "/fold");
  const Value out = emit(cx, td.layer(), child_path(path, "layer"), in);
  std::vector<std::int64_t> unfolded{x.shape[0], x.shape[1]};
  unfolded.insert(unfolded.end(), out.shape.begin() + 1, out.shape.end());
  return reshape(cx, out, Shape(std::span<const std::int64_t>(unfolded)), hint);
}

}  // namespace

std::vector<Value> emit_graph(Context& cx, const nn::Graph& graph, const std::string& path,
                              const std::vector<Value>& inputs) {
  GraphBuilder& b = cx.builder;
  const auto& nodes = graph.nodes();
  std::vector<Value> values(nodes.size());
  for (std::size_t i = 0; i < graph.input_nodes().size(); ++i) values[graph.input_nodes()[i]] = inputs.at(i);
  const std::vector<Shape> shapes = graph.infer_shapes([&] {
    std::vector<Shape> s;
    for (const Value& v : inputs) s.push_back(v.shape);
    return s;
  }());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const nn::Graph::NodeInfo& node = nodes[i];
    const std::string hint = child_path(path, node.name);
    std::vector<std::string> in;
    for (int j : node.inputs) in.push_back(values[j].name);
    switch (node.kind) {
      case nn::Graph::Kind::input: break;
      case nn::Graph::Kind::layer: values[i] = emit(cx, *node.layer, hint, values[node.inputs.at(0)]); break;
      case nn::Graph::Kind::add: values[i] = {b.node1("Sum", in, hint), shapes[i]}; break;
      case nn::Graph::Kind::multiply: {
        std::string y = in[0];
        for (std::size_t j = 1; j < in.size(); ++j)
          y = b.node1("Mul", {y, in[j]}, j + 1 == in.size() ? hint : hint + "/partial");
        values[i] = {y, shapes[i]};
        break;
      }
      case nn::Graph::Kind::concatenate:
        values[i] = {b.node1("Concat", in, hint, {{"axis", std::int64_t{node.axis}}}), shapes[i]};
        break;
    }
  }
  std::vector<Value> outputs;
  for (int j : graph.output_nodes()) outputs.push_back(values[j]);
  return outputs;
}

std::optional<Value> emit_containers(Context& cx, const nn::Module& layer, const std::string& path, const Value& x) {
  if (auto* s = dynamic_cast<const nn::Sequential*>(&layer)) return sequential(cx, *s, path, x);
  if (auto* td = dynamic_cast<const nn::TimeDistributed*>(&layer)) return time_distributed(cx, *td, path, x);
  if (auto* g = dynamic_cast<const nn::Graph*>(&layer)) {
    if (g->input_nodes().size() != 1 || g->output_nodes().size() != 1)
      refuse(layer, path, "a Graph inside another model needs one input and one output");
    return emit_graph(cx, *g, path, {x}).front();
  }
  return std::nullopt;
}

}  // namespace soma::onnx
