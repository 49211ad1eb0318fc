// Activations by name: Keras' `activation` option of Dense and Conv2d, and the function a
// model's output ends with.
#include <algorithm>

#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/ops/activation.h"

namespace soma::nn {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"linear", "relu",    "sigmoid",    "tanh",
                                                 "softmax", "log_softmax", "leaky_relu"};
  return names;
}

void check_activation(const std::string& layer, const std::string& name) {
  const auto& names = activation_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "\"" : ", \"") + n + "\"";
  throw Error(layer + ": unknown activation \"" + name + "\"; expected one of " + known);
}

Tensor activate(const std::string& name, const Tensor& x, int axis) {
  if (name == "linear") return x;
  if (name == "relu") return relu(x);
  if (name == "sigmoid") return sigmoid(x);
  if (name == "tanh") return tanh(x);
  if (name == "softmax") return softmax(x, axis);
  if (name == "log_softmax") return log_softmax(x, axis);
  if (name == "leaky_relu") return leaky_relu(x, kKerasLeakySlope);
  check_activation("activate", name);
  return x;
}

std::string output_activation(const Module& model) {
  if (const auto* seq = dynamic_cast<const Sequential*>(&model))
    return seq->size() > 0 ? output_activation((*seq)[seq->size() - 1]) : "linear";
  if (const auto* dense = dynamic_cast<const Dense*>(&model)) return dense->options().activation;
  if (const auto* conv = dynamic_cast<const Conv2d*>(&model)) return conv->options().activation;
  const std::string type = model.type_name();
  if (type == "Sigmoid") return "sigmoid";
  if (type == "Softmax") return "softmax";
  if (type == "LogSoftmax") return "log_softmax";
  return "linear";
}

}  // namespace soma::nn
