// The layer emitters: each turns one soma layer (in evaluation mode) into ONNX nodes of opset
// 17 through a GraphBuilder. emit() dispatches on the layer's type; a layer without a mapping,
// or with a setting ONNX cannot express, is refused with one soma::Error naming it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph_builder.h"
#include "soma/nn/graph.h"
#include "soma/nn/module.h"

namespace soma::onnx {

/// A value of the ONNX graph: its name and its shape for the export's batch size.
struct Value {
  std::string name;
  Shape shape;
};

struct Context {
  GraphBuilder& builder;
  bool dynamic_batch;               ///< the first axis of the inputs is symbolic
  std::set<std::string> graph_inputs;  ///< their names (an Embedding reads one as int64 ids)
};

/// Emits `layer`, found at `path` in the model ("" for the model itself), applied to `x`.
Value emit(Context& cx, const nn::Module& layer, const std::string& path, const Value& x);
/// A Graph's outputs for its inputs, in declaration order.
std::vector<Value> emit_graph(Context& cx, const nn::Graph& graph, const std::string& path,
                              const std::vector<Value>& inputs);

// The families of emit(): each returns nothing when the layer is not one of its types.
std::optional<Value> emit_dense_and_activations(Context& cx, const nn::Module& layer, const std::string& path,
                                                const Value& x);
std::optional<Value> emit_image_layers(Context& cx, const nn::Module& layer, const std::string& path, const Value& x);
std::optional<Value> emit_recurrent(Context& cx, const nn::Module& layer, const std::string& path, const Value& x);
std::optional<Value> emit_containers(Context& cx, const nn::Module& layer, const std::string& path, const Value& x);
std::optional<Value> emit_zoo_blocks(Context& cx, const nn::Module& layer, const std::string& path, const Value& x);

/// Keras' `activation` option of Dense and Conv2d (nn/activation.h's names). The option came
/// with another change of issue 15: options without the field count as "linear".
template <class Options>
std::string activation_option(const Options& o) {
  if constexpr (requires { o.activation; }) return o.activation;
  else return "linear";
}
/// y with the named activation applied after `layer`: softmax and log_softmax over `axis`,
/// leaky_relu with Keras' slope 0.2 (as nn/activation.h); "linear" adds nothing. Refuses a
/// name it does not know.
Value activation(Context& cx, const nn::Module& layer, const std::string& path, const std::string& name,
                 const Value& y, int axis);
/// Throws "ONNX export: <path (Type)> cannot be exported: <why>".
[[noreturn]] void refuse(const nn::Module& layer, const std::string& path, const std::string& why);
/// The dotted path of a child `name` of the layer at `path` ("" for the model).
std::string child_path(const std::string& path, const std::string& name);
/// A readable prefix for the names of a layer's values: its path, or its type for the model.
std::string hint_of(const nn::Module& layer, const std::string& path);
/// x reshaped to `to` (x's batch axis first). With a dynamic batch, `to`'s first axis is
/// written as 0 (keep the batch) when it equals x's, else as -1 (the batch merged into it).
Value reshape(Context& cx, const Value& x, const Shape& to, const std::string& hint);

}  // namespace soma::onnx
