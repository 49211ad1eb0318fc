// AlexNet: torchvision's models/alexnet.py layout (the "one weird trick" variant of Krizhevsky
// 2014, which torchvision ships) or the 2012 paper's, section 3.5 and figure 2.
#include "soma/models/alexnet.h"

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/local_response_norm.h"
#include "soma/nn/pool.h"

namespace soma::models {

nn::Sequential alexnet(const AlexNetOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1 && o.hidden >= 1 && o.pool >= 1, "alexnet: in_channels, classes, ",
             "hidden and pool must be >= 1, got ", o.in_channels, ", ", o.classes, ", ", o.hidden, ", ", o.pool);
  // Channels of the five convolutions.
  const std::int64_t c[5] = {o.paper ? 96 : 64, o.paper ? 256 : 192, 384, o.paper ? 384 : 256, 256};
  auto features = std::make_shared<nn::Sequential>();
  auto add = [&](auto layer) { detail::append(*features, std::move(layer)); };
  auto conv = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
    add(nn::Conv2d({.in = in, .out = out, .kernel = kernel, .stride = stride, .padding = padding, .dtype = o.dtype}, gen));
    add(nn::ReLU());
  };
  auto lrn = [&] {
    if (o.paper) add(nn::LocalResponseNorm({.size = 5, .alpha = 1e-4, .beta = 0.75, .k = 2}));
  };
  auto pool = [&] { add(nn::MaxPool2d({.kernel = 3, .stride = 2})); };
  if (o.small_input) conv(o.in_channels, c[0], 3, 1, 1);
  else conv(o.in_channels, c[0], 11, 4, 2);
  lrn();
  pool();
  conv(c[0], c[1], 5, 1, 2);
  lrn();
  pool();
  conv(c[1], c[2], 3, 1, 1);
  conv(c[2], c[3], 3, 1, 1);
  conv(c[3], c[4], 3, 1, 1);
  pool();
  auto classifier = std::make_shared<nn::Sequential>();
  auto add_c = [&](auto layer) { detail::append(*classifier, std::move(layer)); };
  add_c(nn::Dropout(o.dropout, gen));
  add_c(nn::Dense({.in = c[4] * o.pool * o.pool, .out = o.hidden, .dtype = o.dtype}, gen));
  add_c(nn::ReLU());
  add_c(nn::Dropout(o.dropout, gen));
  add_c(nn::Dense({.in = o.hidden, .out = o.hidden, .dtype = o.dtype}, gen));
  add_c(nn::ReLU());
  add_c(nn::Dense({.in = o.hidden, .out = o.classes, .dtype = o.dtype}, gen));
  nn::Sequential net;
  net.push_back("features", features);
  net.push_back("avgpool", nn::AdaptiveAvgPool2d(o.pool));
  net.push_back("flatten", nn::Flatten());
  net.push_back("classifier", classifier);
  return net;
}

}  // namespace soma::models
