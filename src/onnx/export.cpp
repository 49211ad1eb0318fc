// export_onnx: checks what the whole model must satisfy (float32, shapes it accepts), declares
// the graph's inputs and outputs, emits the layers (emit.h) and writes the checked bytes.
#include "soma/onnx/export.h"

#include <span>

#include "emit.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/io/atomic_file.h"

namespace soma::onnx {

namespace {

void check_float32(const nn::Module& model) {
  for (const auto& [name, t] : model.named_parameters())
    SOMA_CHECK(t.dtype() == DType::f32, "ONNX export writes float32 models; parameter '", name, "' is ",
               name_of(t.dtype()), " (convert the model to float32 first)");
}

}  // namespace

std::string export_onnx_bytes(nn::Module& model, const std::vector<Shape>& input_shapes, const ExportOptions& options) {
  SOMA_CHECK(options.opset >= 17, "ONNX export writes opset 17 or later; got opset ", options.opset);
  check_float32(model);
  const auto* graph = dynamic_cast<const nn::Graph*>(&model);
  const std::size_t inputs_needed = graph ? graph->input_nodes().size() : 1;
  SOMA_CHECK(input_shapes.size() == inputs_needed, "ONNX export: the ", model.type_name(), " takes ", inputs_needed,
             " input(s); ", input_shapes.size(), " input shape(s) given");
  for (const Shape& s : input_shapes)
    SOMA_CHECK(s.dim() >= 1 && s[0] >= 1, "ONNX export: an input shape starts with the batch axis; got ", s.str());
  nn::ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;

  GraphBuilder builder(model.type_name());
  Context cx{.builder = builder, .dynamic_batch = options.dynamic_batch, .graph_inputs = {}};
  // The model's own check first: a wrong shape is reported as soma reports it everywhere.
  if (graph) graph->infer_shapes(input_shapes);
  else model.output_shape(input_shapes[0]);
  std::vector<Value> inputs;
  for (std::size_t i = 0; i < input_shapes.size(); ++i) {
    const std::string name = graph ? graph->nodes()[graph->input_nodes()[i]].name : "input";
    inputs.push_back({name, input_shapes[i]});
    cx.graph_inputs.insert(name);
    builder.input(name, ElementType::f32, input_shapes[i], options.dynamic_batch);
  }
  const std::vector<Value> outputs = graph ? emit_graph(cx, *graph, "", inputs)
                                           : std::vector<Value>{emit(cx, model, "", inputs[0])};
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string name = graph ? graph->nodes()[graph->output_nodes()[i]].name : "output";
    builder.output(outputs[i].name, name, outputs[i].shape, options.dynamic_batch);
  }
  return builder.serialize(options.opset, SOMA_VERSION);
}

void export_onnx(nn::Module& model, const std::vector<Shape>& input_shapes, const std::string& path,
                 const ExportOptions& options) {
  const std::string bytes = export_onnx_bytes(model, input_shapes, options);
  io::write_file_atomic(path, std::as_bytes(std::span(bytes.data(), bytes.size())));
}

void export_onnx(nn::Module& model, const Shape& input_shape, const std::string& path, const ExportOptions& options) {
  export_onnx(model, std::vector<Shape>{input_shape}, path, options);
}

}  // namespace soma::onnx
