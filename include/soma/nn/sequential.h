// Sequential: layers applied in order, named "layers.0", "layers.1", ...
#pragma once

#include <concepts>
#include <memory>

#include "soma/nn/module.h"

namespace soma::nn {

/// A chain of layers:
///   nn::Sequential net{nn::Dense(2, 5), nn::Sigmoid(), nn::Dense(5, 1), nn::Sigmoid()};
///   Tensor y = net(x);
class Sequential : public Module {
 public:
  Sequential() = default;
  template <std::derived_from<Module>... Layers>
  explicit Sequential(Layers... layers) {
    (push_back(std::make_shared<Layers>(std::move(layers))), ...);
  }

  /// Appends a layer (shared: the caller may keep a handle to it).
  void push_back(std::shared_ptr<Module> layer);
  template <std::derived_from<Module> Layer>
  void push_back(Layer layer) { push_back(std::make_shared<Layer>(std::move(layer))); }

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }

  std::size_t size() const { return layers_.size(); }
  /// Layer i; throws soma::Error when i >= size().
  Module& operator[](std::size_t i) const {
    check_index(i);
    return *layers_[i];
  }
  /// Layer i as its concrete type; throws soma::Error if i >= size() or it is another type.
  template <class Layer>
  Layer& at(std::size_t i) const {
    check_index(i);
    auto* layer = dynamic_cast<Layer*>(layers_[i].get());
    SOMA_CHECK(layer, "Sequential: layer ", i, " is a ", layers_[i]->type_name());
    return *layer;
  }

 private:
  void check_index(std::size_t i) const {
    SOMA_CHECK(i < layers_.size(), "Sequential: layer ", i, " is out of range for ", layers_.size(), " layers");
  }

  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace soma::nn
