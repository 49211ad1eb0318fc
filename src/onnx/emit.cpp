// emit(): the dispatch over the layer families, and the helpers they share.
#include "emit.h"

#include "soma/core/error.h"

namespace soma::onnx {

Value emit(Context& cx, const nn::Module& layer, const std::string& path, const Value& x) {
  for (auto family :
       {emit_dense_and_activations, emit_image_layers, emit_recurrent, emit_containers, emit_zoo_blocks})
    if (std::optional<Value> y = family(cx, layer, path, x)) return *y;
  refuse(layer, path,
         "soma has no ONNX mapping for " + layer.type_name() +
             " (exportable: Dense, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, "
             "AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, LocalResponseNorm, Dropout, Flatten, Upsample, "
             "Embedding, RNN, LSTM, GRU, the activations, Sequential, TimeDistributed, Graph with its merges, "
             "and the zoo's Inception, Bottleneck and TransformInput)");
}

void refuse(const nn::Module& layer, const std::string& path, const std::string& why) {
  throw Error("ONNX export: " + nn::display_name(path, layer) + " cannot be exported: " + why);
}

Value activation(Context& cx, const nn::Module& layer, const std::string& path, const std::string& name,
                 const Value& y, int axis) {
  const std::string hint = hint_of(layer, path) + "/" + name;
  GraphBuilder& b = cx.builder;
  if (name == "linear") return y;
  if (name == "relu") return {b.node1("Relu", {y.name}, hint), y.shape};
  if (name == "sigmoid") return {b.node1("Sigmoid", {y.name}, hint), y.shape};
  if (name == "tanh") return {b.node1("Tanh", {y.name}, hint), y.shape};
  if (name == "softmax") return {b.node1("Softmax", {y.name}, hint, {{"axis", std::int64_t{axis}}}), y.shape};
  if (name == "log_softmax") return {b.node1("LogSoftmax", {y.name}, hint, {{"axis", std::int64_t{axis}}}), y.shape};
  if (name == "leaky_relu") return {b.node1("LeakyRelu", {y.name}, hint, {{"alpha", 0.2f}}), y.shape};
  refuse(layer, path, "its activation \"" + name + "\" has no ONNX mapping");
}

std::string child_path(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::string hint_of(const nn::Module& layer, const std::string& path) {
  return path.empty() ? layer.type_name() : path;
}

Value reshape(Context& cx, const Value& x, const Shape& to, const std::string& hint) {
  std::vector<std::int64_t> target(to.begin(), to.end());
  if (cx.dynamic_batch && !target.empty()) target[0] = to[0] == x.shape[0] ? 0 : -1;
  return {cx.builder.node1("Reshape", {x.name, cx.builder.ints(hint + "/shape", target)}, hint), to};
}

}  // namespace soma::onnx
