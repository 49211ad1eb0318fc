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
  /// Appends a layer under its own path instead of "layers.<i>", as PyTorch's
  /// nn.Sequential(OrderedDict(...)) does: torchvision's "features.0.weight" or ResNet's
  /// "layer1.0.conv1.weight" (models/). Throws soma::Error when the path is empty or taken.
  void push_back(std::string path, std::shared_ptr<Module> layer);
  template <std::derived_from<Module> Layer>
  void push_back(std::string path, Layer layer) {
    push_back(std::move(path), std::make_shared<Layer>(std::move(layer)));
  }
  /// The path of layer i: "layers.<i>", or the one given to push_back.
  const std::string& path(std::size_t i) const {
    check_index(i);
    return paths_[i];
  }

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  /// Runs every layer's output_shape in order: the check before any data flows.
  ///   net.output_shape({1, 1, 28, 28});  // [1, 10] for B3's CNN
  /// Throws soma::Error naming the first layer that refuses its input by path, name and type,
  /// followed by the arithmetic of the layers before it that changed the shape:
  ///   "layers.8 'fc1' (Dense): Dense(3136 -> 128) expects 3136 input features but receives
  ///    4608 (input [1, 4608]); before it: layers.0 'conv2' (Conv2d): input 1x28x28, kernel 5,
  ///    stride 2, padding 0 -> 12x12; ...; layers.7 (Flatten): 32x12x12 -> 4608"
  Shape output_shape(const Shape& input) const override;
  /// The sum over the layers.
  std::int64_t flops(const Shape& input) const override;

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
  std::vector<std::string> paths_;
};

}  // namespace soma::nn
