// Sequential: forward through each layer; errors say which layer failed.
#include "soma/nn/sequential.h"

namespace soma::nn {

void Sequential::push_back(std::shared_ptr<Module> layer) {
  register_module("layers." + std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      h = layers_[i]->forward(h);
    } catch (const Error& e) {
      throw Error("layers." + std::to_string(i) + " (" + layers_[i]->type_name() + "): " + e.what());
    }
  }
  return h;
}

}  // namespace soma::nn
