// GoogLeNet and Inception v1: torchvision's models/googlenet.py layout, table 1 of the paper
// for the channel counts. The paper's stem also has local response normalization, which
// torchvision replaced with batch norm in every BasicConv2d; we follow torchvision.
#include "soma/models/googlenet.h"

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/view.h"

namespace soma::models {

namespace {

const double kImageNetMean[3] = {0.485, 0.456, 0.406}, kImageNetStd[3] = {0.229, 0.224, 0.225};

}  // namespace

double TransformInput::scale(int c) { return kImageNetStd[c] / 0.5; }
double TransformInput::shift(int c) { return (kImageNetMean[c] - 0.5) / 0.5; }

Tensor TransformInput::forward(const Tensor& x) {
  SOMA_CHECK(x.dim() == 4 && x.size(1) == 3, "TransformInput expects [N, 3, H, W] but receives ", x.shape());
  std::vector<Tensor> channels;
  for (int c = 0; c < 3; ++c) channels.push_back(slice(x, 1, c, c + 1) * scale(c) + shift(c));
  return cat(channels, 1);
}

Shape TransformInput::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() == 4 && input[1] == 3, "TransformInput expects [N, 3, H, W] but receives ", input);
  return input;
}

nn::Sequential basic_conv2d(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                            std::int64_t padding, DType dtype, Generator& gen) {
  nn::Sequential block;
  block.push_back("conv", nn::Conv2d({.in = in, .out = out, .kernel = kernel, .stride = stride, .padding = padding,
                                      .bias = false, .dtype = dtype},
                                     gen));
  block.push_back("bn", nn::BatchNorm2d(out, {.eps = 0.001, .dtype = dtype}));
  block.push_back("relu", nn::ReLU());
  return block;
}

Inception::Inception(const InceptionOptions& o, Generator& gen) : options_(o) {
  SOMA_CHECK(o.in >= 1 && o.ch1x1 >= 1 && o.ch3x3red >= 1 && o.ch3x3 >= 1 && o.ch5x5red >= 1 && o.ch5x5 >= 1 &&
                 o.pool_proj >= 1,
             "Inception: every channel count must be >= 1, got in ", o.in, ", ", o.ch1x1, ", ", o.ch3x3red, ", ",
             o.ch3x3, ", ", o.ch5x5red, ", ", o.ch5x5, ", ", o.pool_proj);
  // branch1 is a BasicConv2d itself in torchvision ("branch1.conv.weight"), the others Sequentials.
  branch_[0] = std::make_shared<nn::Sequential>(basic_conv2d(o.in, o.ch1x1, 1, 1, 0, o.dtype, gen));
  for (int i = 1; i < 4; ++i) branch_[i] = std::make_shared<nn::Sequential>();
  detail::append(*branch_[1], basic_conv2d(o.in, o.ch3x3red, 1, 1, 0, o.dtype, gen));
  detail::append(*branch_[1], basic_conv2d(o.ch3x3red, o.ch3x3, 3, 1, 1, o.dtype, gen));
  detail::append(*branch_[2], basic_conv2d(o.in, o.ch5x5red, 1, 1, 0, o.dtype, gen));
  const std::int64_t k = o.five_by_five ? 5 : 3;
  detail::append(*branch_[2], basic_conv2d(o.ch5x5red, o.ch5x5, k, 1, k / 2, o.dtype, gen));
  detail::append(*branch_[3], nn::MaxPool2d({.kernel = 3, .stride = 1, .padding = 1, .ceil_mode = true}));
  detail::append(*branch_[3], basic_conv2d(o.in, o.pool_proj, 1, 1, 0, o.dtype, gen));
  for (int i = 0; i < 4; ++i) register_module("branch" + std::to_string(i + 1), branch_[i]);
}

std::int64_t Inception::out_channels() const {
  return options_.ch1x1 + options_.ch3x3 + options_.ch5x5 + options_.pool_proj;
}

Tensor Inception::forward(const Tensor& x) {
  std::vector<Tensor> outs;
  for (int i = 0; i < 4; ++i) {
    try {
      outs.push_back((*branch_[i])(x));
    } catch (const Error& e) {
      throw Error("Inception branch" + std::to_string(i + 1) + ": " + e.what());
    }
  }
  return cat(outs, 1);
}

Shape Inception::output_shape(const Shape& input) const {
  Shape out;
  for (int i = 0; i < 4; ++i) {
    try {
      out = branch_[i]->output_shape(input);
    } catch (const Error& e) {
      throw Error("Inception branch" + std::to_string(i + 1) + ": " + e.what());
    }
  }
  out[1] = out_channels();
  return out;
}

std::int64_t Inception::flops(const Shape& input) const {
  std::int64_t total = 0;
  for (const auto& b : branch_) total += b->flops(input);
  return total;
}

nn::Sequential googlenet(const GoogLeNetOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1, "googlenet: in_channels and classes must be >= 1, got ",
             o.in_channels, ", ", o.classes);
  SOMA_CHECK(!o.transform_input || o.in_channels == 3, "googlenet: transform_input needs 3 input channels, got ",
             o.in_channels);
  SOMA_CHECK(o.width >= 1 && 64 % o.width == 0 && (16 * o.width) % 64 == 0 && (24 * o.width) % 64 == 0,
             "googlenet: width must be 8, 16, 32 or 64 (every channel count of table 1 times width / 64 must be ",
             "whole), got ", o.width);
  const auto w = [&](std::int64_t channels) { return channels * o.width / 64; };
  auto pool = [](std::int64_t kernel) { return nn::MaxPool2d({.kernel = kernel, .stride = 2, .ceil_mode = true}); };
  auto inception = [&](std::int64_t in, std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d,
                       std::int64_t e, std::int64_t f) {
    return Inception({.in = w(in), .ch1x1 = w(a), .ch3x3red = w(b), .ch3x3 = w(c), .ch5x5red = w(d), .ch5x5 = w(e),
                      .pool_proj = w(f),
                      .five_by_five = o.five_by_five, .dtype = o.dtype},
                     gen);
  };
  nn::Sequential net;
  if (o.transform_input) net.push_back("transform_input", TransformInput());
  if (o.small_input) {
    net.push_back("conv1", basic_conv2d(o.in_channels, w(64), 3, 1, 1, o.dtype, gen));
  } else {
    net.push_back("conv1", basic_conv2d(o.in_channels, w(64), 7, 2, 3, o.dtype, gen));
    net.push_back("maxpool1", pool(3));
  }
  net.push_back("conv2", basic_conv2d(w(64), w(64), 1, 1, 0, o.dtype, gen));
  net.push_back("conv3", basic_conv2d(w(64), w(192), 3, 1, 1, o.dtype, gen));
  if (!o.small_input) net.push_back("maxpool2", pool(3));
  net.push_back("inception3a", inception(192, 64, 96, 128, 16, 32, 32));
  net.push_back("inception3b", inception(256, 128, 128, 192, 32, 96, 64));
  net.push_back("maxpool3", pool(3));
  net.push_back("inception4a", inception(480, 192, 96, 208, 16, 48, 64));
  net.push_back("inception4b", inception(512, 160, 112, 224, 24, 64, 64));
  net.push_back("inception4c", inception(512, 128, 128, 256, 24, 64, 64));
  net.push_back("inception4d", inception(512, 112, 144, 288, 32, 64, 64));
  net.push_back("inception4e", inception(528, 256, 160, 320, 32, 128, 128));
  net.push_back("maxpool4", pool(2));
  net.push_back("inception5a", inception(832, 256, 160, 320, 32, 128, 128));
  net.push_back("inception5b", inception(832, 384, 192, 384, 48, 128, 128));
  net.push_back("avgpool", nn::AdaptiveAvgPool2d(1));
  net.push_back("flatten", nn::Flatten());
  net.push_back("dropout", nn::Dropout(o.dropout, gen));
  net.push_back("fc", nn::Dense({.in = w(1024), .out = o.classes, .dtype = o.dtype}, gen));
  return net;
}

}  // namespace soma::models
