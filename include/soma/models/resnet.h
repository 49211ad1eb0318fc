// The ResNet bottleneck block (He, Zhang, Ren & Sun 2016, "Deep residual learning for image
// recognition", figure 5 right: 1x1 reduce, 3x3, 1x1 expand, with a projection shortcut when
// the shape changes) and ResNet-50 built from it (table 1), with torchvision's parameter paths
// (models.resnet50: "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "fc.bias").
// The stride sits on the 3x3 convolution, as torchvision's ("ResNet v1.5"). Not here: the
// basic two-3x3 block of ResNet-18/34.
#pragma once

#include <cstdint>
#include <memory>

#include "soma/core/generator.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct BottleneckOptions {
  std::int64_t in = 0;      ///< input channels (required)
  std::int64_t planes = 0;  ///< the 3x3 convolution's channels; the block outputs 4 * planes (required)
  std::int64_t stride = 1;  ///< of the 3x3 convolution (2 halves H and W)
  DType dtype = DType::f32;
};

/// relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))) + shortcut(x)), where the shortcut is
/// x itself when in == 4 * planes and stride == 1, else the projection "downsample" (1x1
/// convolution with the stride, then BatchNorm2d), as torchvision's Bottleneck. Convolutions
/// have no bias (batch norm follows each).
///   models::Bottleneck block({.in = 256, .planes = 128, .stride = 2});  // [N,256,56,56] -> [N,512,28,28]
class Bottleneck : public nn::Module {
 public:
  static constexpr std::int64_t kExpansion = 4;
  /// Throws soma::Error for sizes below 1.
  explicit Bottleneck(const BottleneckOptions& options, Generator& gen = default_generator());
  /// x [N, in, H, W] -> [N, 4 planes, ceil(H / stride), ceil(W / stride)]; throws naming the
  /// block and the convolution when the channels differ.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Bottleneck"; }
  Shape output_shape(const Shape& input) const override;
  /// The three convolutions, their batch norms and the projection's.
  std::int64_t flops(const Shape& input) const override;
  bool has_projection() const { return downsample_ != nullptr; }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_, bn3_;
  std::shared_ptr<nn::Sequential> downsample_;  // null: the identity shortcut
};

struct ResNetOptions {
  std::int64_t in_channels = 3;
  std::int64_t classes = 1000;
  /// Bottleneck blocks in the four stages (ResNet-50: 3, 4, 6, 3; ResNet-101: 3, 4, 23, 3).
  std::int64_t blocks[4] = {3, 4, 6, 3};
  std::int64_t width = 64;  ///< planes of the first stage (doubling each stage); torchvision: 64
  /// true: a 3x3, stride-1 stem without the max pool, for 28x28 or 32x32 images (the CIFAR
  /// practice); false: torchvision's 7x7, stride-2 stem and 3x3/2 max pool.
  bool small_input = false;
  DType dtype = DType::f32;
};

/// "conv1", "bn1", "relu", "maxpool", "layer1" ... "layer4" (each a Sequential of Bottlenecks
/// "0", "1", ...), "avgpool" (AdaptiveAvgPool2d(1)), "flatten", "fc": torchvision's resnet50()
/// with 25,557,032 parameters for 1000 classes.
///   auto net = models::resnet50({.classes = 10});
nn::Sequential resnet(const ResNetOptions& options = {}, Generator& gen = default_generator());
/// ResNet-50: resnet() with blocks {3, 4, 6, 3}.
nn::Sequential resnet50(ResNetOptions options = {}, Generator& gen = default_generator());

}  // namespace soma::models
