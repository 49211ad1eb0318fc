// Bottleneck and ResNet: torchvision's models/resnet.py layout (Bottleneck with expansion 4,
// the stride on conv2, a projection shortcut on the first block of each stage).
#include "soma/models/resnet.h"

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"

namespace soma::models {

namespace {

std::shared_ptr<nn::Conv2d> conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                                 DType dtype, Generator& gen) {
  return std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = in, .out = out, .kernel = kernel, .stride = stride, .padding = kernel / 2,
                        .bias = false, .dtype = dtype},
      gen);
}

}  // namespace

Bottleneck::Bottleneck(const BottleneckOptions& o, Generator& gen) {
  SOMA_CHECK(o.in >= 1 && o.planes >= 1 && o.stride >= 1, "Bottleneck: in, planes and stride must be >= 1, got ", o.in,
             ", ", o.planes, ", ", o.stride);
  const std::int64_t out = o.planes * kExpansion;
  conv1_ = conv(o.in, o.planes, 1, 1, o.dtype, gen);
  bn1_ = std::make_shared<nn::BatchNorm2d>(o.planes, nn::BatchNormOptions{.dtype = o.dtype});
  conv2_ = conv(o.planes, o.planes, 3, o.stride, o.dtype, gen);
  bn2_ = std::make_shared<nn::BatchNorm2d>(o.planes, nn::BatchNormOptions{.dtype = o.dtype});
  conv3_ = conv(o.planes, out, 1, 1, o.dtype, gen);
  bn3_ = std::make_shared<nn::BatchNorm2d>(out, nn::BatchNormOptions{.dtype = o.dtype});
  // torchvision's registration order: conv1, bn1, conv2, bn2, conv3, bn3, (relu), downsample.
  register_module("conv1", conv1_);
  register_module("bn1", bn1_);
  register_module("conv2", conv2_);
  register_module("bn2", bn2_);
  register_module("conv3", conv3_);
  register_module("bn3", bn3_);
  if (o.stride != 1 || o.in != out) {
    downsample_ = std::make_shared<nn::Sequential>();
    detail::append(*downsample_, conv(o.in, out, 1, o.stride, o.dtype, gen));
    detail::append(*downsample_, nn::BatchNorm2d(out, {.dtype = o.dtype}));
    register_module("downsample", downsample_);
  }
}

Tensor Bottleneck::forward(const Tensor& x) {
  try {
    Tensor h = relu((*bn1_)((*conv1_)(x)));
    h = relu((*bn2_)((*conv2_)(h)));
    h = (*bn3_)((*conv3_)(h));
    return relu(h + (downsample_ ? (*downsample_)(x) : x));
  } catch (const Error& e) {
    throw Error(std::string("Bottleneck: ") + e.what());
  }
}

Shape Bottleneck::output_shape(const Shape& input) const {
  try {
    return conv3_->output_shape(conv2_->output_shape(conv1_->output_shape(input)));
  } catch (const Error& e) {
    throw Error(std::string("Bottleneck: ") + e.what());
  }
}

std::int64_t Bottleneck::flops(const Shape& input) const {
  const Shape h1 = conv1_->output_shape(input), h2 = conv2_->output_shape(h1), h3 = conv3_->output_shape(h2);
  std::int64_t total = conv1_->flops(input) + bn1_->flops(h1) + conv2_->flops(h1) + bn2_->flops(h2) +
                       conv3_->flops(h2) + bn3_->flops(h3);
  if (downsample_) total += downsample_->flops(input);
  return total;
}

nn::Sequential resnet(const ResNetOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1 && o.width >= 1, "resnet: in_channels, classes and width must be ",
             ">= 1, got ", o.in_channels, ", ", o.classes, ", ", o.width);
  nn::Sequential net;
  if (o.small_input) {
    net.push_back("conv1", conv(o.in_channels, o.width, 3, 1, o.dtype, gen));
  } else {
    net.push_back("conv1", conv(o.in_channels, o.width, 7, 2, o.dtype, gen));
  }
  net.push_back("bn1", nn::BatchNorm2d(o.width, {.dtype = o.dtype}));
  net.push_back("relu", nn::ReLU());
  if (!o.small_input) net.push_back("maxpool", nn::MaxPool2d({.kernel = 3, .stride = 2, .padding = 1}));
  std::int64_t in = o.width;
  for (int stage = 0; stage < 4; ++stage) {
    SOMA_CHECK(o.blocks[stage] >= 1, "resnet: every stage needs at least one block, got ", o.blocks[stage],
               " in stage ", stage + 1);
    const std::int64_t planes = o.width << stage;
    auto layer = std::make_shared<nn::Sequential>();
    for (std::int64_t b = 0; b < o.blocks[stage]; ++b) {
      const std::int64_t stride = (b == 0 && stage > 0) ? 2 : 1;
      detail::append(*layer, Bottleneck({.in = in, .planes = planes, .stride = stride, .dtype = o.dtype}, gen));
      in = planes * Bottleneck::kExpansion;
    }
    net.push_back("layer" + std::to_string(stage + 1), layer);
  }
  net.push_back("avgpool", nn::AdaptiveAvgPool2d(1));
  net.push_back("flatten", nn::Flatten());
  net.push_back("fc", nn::Dense({.in = in, .out = o.classes, .dtype = o.dtype}, gen));
  return net;
}

nn::Sequential resnet50(ResNetOptions options, Generator& gen) {
  const std::int64_t blocks[4] = {3, 4, 6, 3};
  std::copy(blocks, blocks + 4, options.blocks);
  return resnet(options, gen);
}

}  // namespace soma::models
