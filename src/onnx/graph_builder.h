// GraphBuilder: the one place that knows ONNX's protobuf classes (libonnx-dev). The layer
// emitters describe nodes, constants and the graph's inputs and outputs in soma's terms; the
// builder names them uniquely, holds the ModelProto and turns it into checked bytes.
// Not here: which ONNX operators a soma layer becomes (emit_*.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::onnx {

/// One attribute of an ONNX node: an int, a float, a string, or a list of ints or strings.
struct Attribute {
  std::string name;
  std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<std::string>> value;
};

/// ONNX's element types that soma's models read and write.
enum class ElementType { f32, i64 };

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  /// A constant (an initializer) holding `t`'s values, float32 or int64 (other float types
  /// are converted to float32). Returns its unique name, made from `hint`.
  std::string constant(const std::string& hint, const Tensor& t);
  /// A 1-D int64 constant (shapes, axes, permutations).
  std::string ints(const std::string& hint, const std::vector<std::int64_t>& values);
  /// A 1-D float32 constant (scales).
  std::string floats(const std::string& hint, const std::vector<float>& values);
  /// Appends a node `op` reading `inputs` ("" for an optional input left out) and returns the
  /// names of its `outputs` new values, made from `hint`.
  std::vector<std::string> node(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                                const std::vector<Attribute>& attributes = {}, int outputs = 1);
  /// The same for a node with one output: its name.
  std::string node1(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                    const std::vector<Attribute>& attributes = {}) {
    return node(op, inputs, hint, attributes).front();
  }

  /// A graph input `name` (must be new) of `type` and shape `dims`; with `dynamic_batch` the
  /// first axis is the symbol "N" (any batch size).
  void input(const std::string& name, ElementType type, const Shape& dims, bool dynamic_batch);
  /// Changes the element type of input `name` (an Embedding reads int64 ids).
  void set_input_type(const std::string& name, ElementType type);
  /// Marks value `value` as a graph output called `name` (an Identity renames it when needed).
  void output(const std::string& value, const std::string& name, const Shape& dims, bool dynamic_batch);

  /// The serialized ModelProto for `opset` (ai.onnx), after ONNX's checker has passed it.
  /// Throws soma::Error with the checker's message otherwise (a bug of the exporter).
  std::string serialize(std::int64_t opset, const std::string& producer_version);

 private:
  std::string unique(const std::string& hint);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soma::onnx
