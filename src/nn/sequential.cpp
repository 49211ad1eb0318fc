// Sequential: forward and shape inference through each layer; errors say which layer failed
// and, for shapes, how the input's shape was changed on the way there.
#include "soma/nn/sequential.h"

namespace soma::nn {

void Sequential::push_back(std::shared_ptr<Module> layer) {
  push_back("layers." + std::to_string(layers_.size()), std::move(layer));
}

void Sequential::push_back(std::string path, std::shared_ptr<Module> layer) {
  SOMA_CHECK(!path.empty(), "Sequential: a layer's path cannot be empty");
  for (const auto& taken : paths_) SOMA_CHECK(taken != path, "Sequential: the path \"", path, "\" is taken");
  register_module(path, layer);
  layers_.push_back(std::move(layer));
  paths_.push_back(std::move(path));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      h = layers_[i]->forward(h);
    } catch (const Error& e) {
      throw Error(display_name(paths_[i], *layers_[i]) + ": " + e.what());
    }
  }
  return h;
}

Shape Sequential::output_shape(const Shape& input) const {
  Shape shape = input;
  std::string trace;  // "; before it: " and each earlier layer's arithmetic
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const std::string path = display_name(paths_[i], *layers_[i]);
    try {
      const Shape out = layers_[i]->output_shape(shape);
      const std::string arithmetic = layers_[i]->shape_arithmetic(shape);
      shape = out;
      if (!arithmetic.empty()) trace += (trace.empty() ? "; before it: " : "; ") + path + ": " + arithmetic;
    } catch (const Error& e) {
      // A nested Sequential has already said what came before it inside; it keeps its trace.
      const std::string message = e.what();
      const bool traced = message.find("; before it: ") != std::string::npos;
      throw Error(path + ": " + message + (traced ? "" : trace));
    }
  }
  return shape;
}

std::int64_t Sequential::flops(const Shape& input) const {
  Shape shape = input;
  std::int64_t total = 0;
  for (const auto& layer : layers_) {
    total += layer->flops(shape);
    shape = layer->output_shape(shape);
  }
  return total;
}

}  // namespace soma::nn
