// NiN: the paper gives the structure (stacked mlpconv layers, dropout between them, global
// average pooling, section 4.1) but no table of channel counts; these are the authors'
// released CIFAR-10 definition and the common ImageNet one (both as in d2l.ai's chapter 8.3).
#include "soma/models/nin.h"

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"

namespace soma::models {

namespace {

struct Block {
  std::int64_t kernel, stride, padding, c1, c2, c3;
};

nn::Sequential mlpconv(std::int64_t in, const Block& b, DType dtype, Generator& gen) {
  nn::Sequential s;
  detail::append(s, nn::Conv2d({.in = in, .out = b.c1, .kernel = b.kernel, .stride = b.stride, .padding = b.padding,
                                .dtype = dtype},
                               gen));
  detail::append(s, nn::ReLU());
  detail::append(s, nn::Conv2d({.in = b.c1, .out = b.c2, .kernel = 1, .dtype = dtype}, gen));
  detail::append(s, nn::ReLU());
  detail::append(s, nn::Conv2d({.in = b.c2, .out = b.c3, .kernel = 1, .dtype = dtype}, gen));
  detail::append(s, nn::ReLU());
  return s;
}

}  // namespace

nn::Sequential nin(const NiNOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1, "nin: in_channels and classes must be >= 1, got ", o.in_channels,
             ", ", o.classes);
  nn::Sequential net;
  auto pool = [] { return nn::MaxPool2d({.kernel = 3, .stride = 2, .padding = 1}); };
  if (o.small_input) {
    net.push_back("block1", mlpconv(o.in_channels, {5, 1, 2, 192, 160, 96}, o.dtype, gen));
    net.push_back("pool1", pool());
    net.push_back("dropout1", nn::Dropout(o.dropout, gen));
    net.push_back("block2", mlpconv(96, {5, 1, 2, 192, 192, 192}, o.dtype, gen));
    net.push_back("pool2", pool());
    net.push_back("dropout2", nn::Dropout(o.dropout, gen));
    net.push_back("block3", mlpconv(192, {3, 1, 1, 192, 192, o.classes}, o.dtype, gen));
  } else {
    net.push_back("block1", mlpconv(o.in_channels, {11, 4, 0, 96, 96, 96}, o.dtype, gen));
    net.push_back("pool1", nn::MaxPool2d({.kernel = 3, .stride = 2}));
    net.push_back("block2", mlpconv(96, {5, 1, 2, 256, 256, 256}, o.dtype, gen));
    net.push_back("pool2", nn::MaxPool2d({.kernel = 3, .stride = 2}));
    net.push_back("block3", mlpconv(256, {3, 1, 1, 384, 384, 384}, o.dtype, gen));
    net.push_back("pool3", nn::MaxPool2d({.kernel = 3, .stride = 2}));
    net.push_back("dropout", nn::Dropout(o.dropout, gen));
    net.push_back("block4", mlpconv(384, {3, 1, 1, 1024, 1024, o.classes}, o.dtype, gen));
  }
  net.push_back("avgpool", nn::AdaptiveAvgPool2d(1));
  net.push_back("flatten", nn::Flatten());
  return net;
}

}  // namespace soma::models
