// soma export: a trained model (a run folder or a model .safetensors) as an ONNX file, through
// the optional onnx layer (SOMA_WITH_ONNX, when soma was built with libonnx-dev).
#include <cstdio>

#include <soma/config/builders.h>
#include <soma/config/experiment.h>
#include <soma/core/error.h>
#include <soma/nn/graph.h>

#include "commands.h"
#include "load_target.h"

#if SOMA_WITH_ONNX
#include <soma/onnx/export.h>
#endif

namespace soma::cli {

#if SOMA_WITH_ONNX

int export_model(const ExportArgs& args) {
  const Loaded loaded = load_supervised(args.target);
  config::BuiltModel built = config::build_model_only(loaded.config);
  io::load_state_dict(*built.model, loaded.weights, load_source(loaded));
  // The files run on any batch size: the shapes given carry a batch of 1.
  std::vector<Shape> shapes;
  if (auto graph = std::dynamic_pointer_cast<nn::Graph>(built.model)) {
    shapes = graph->input_shapes();
  } else {
    shapes.push_back(Shape(std::span<const std::int64_t>(built.input_shape)));
  }
  std::string inputs;
  for (Shape& s : shapes) {
    Shape batched{1};
    for (auto d : s) batched.push_back(d);
    s = batched;
    inputs += (inputs.empty() ? "" : ", ") + s.str();
  }
  onnx::export_onnx(*built.model, shapes, args.output, {.opset = args.opset});
  std::printf("wrote %s: ONNX opset %lld, %s from %s, inputs %s (any batch size)\n", args.output.c_str(),
              static_cast<long long>(args.opset), built.model->type_name().c_str(), loaded.origin.c_str(),
              inputs.c_str());
  return 0;
}

#else

int export_model(const ExportArgs&) {
  throw Error("this soma was built without ONNX export: install libonnx-dev and libprotobuf-dev "
              "(scripts/install-deps.sh does) and build again");
}

#endif

}  // namespace soma::cli
