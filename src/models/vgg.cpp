// VGG: the convolution counts per block of the paper's table 1 (torchvision's cfgs "A", "B",
// "D", "E"); each block ends with a 2x2 max pool. The depth counts weight layers: the
// convolutions plus the three Dense layers.
#include "soma/models/vgg.h"

#include <vector>

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"

namespace soma::models {

namespace {

// Convolutions in each of the five blocks.
std::vector<int> block_convs(int depth) {
  switch (depth) {
    case 11: return {1, 1, 2, 2, 2};
    case 13: return {2, 2, 2, 2, 2};
    case 16: return {2, 2, 3, 3, 3};
    case 19: return {2, 2, 4, 4, 4};
    default: SOMA_CHECK(false, "vgg: depth must be 11, 13, 16 or 19 (the paper's A, B, D, E), got ", depth);
  }
  return {};
}

}  // namespace

nn::Sequential vgg(const VGGOptions& o, Generator& gen) {
  const std::vector<int> convs = block_convs(o.depth);
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1 && o.width >= 1 && o.hidden >= 1 && o.pool >= 1,
             "vgg: in_channels, classes, width, hidden and pool must be >= 1, got ", o.in_channels, ", ", o.classes,
             ", ", o.width, ", ", o.hidden, ", ", o.pool);
  const std::int64_t multiple[5] = {1, 2, 4, 8, 8};
  auto features = std::make_shared<nn::Sequential>();
  std::int64_t in = o.in_channels;
  for (int b = 0; b < 5; ++b) {
    const std::int64_t out = o.width * multiple[b];
    for (int i = 0; i < convs[b]; ++i) {
      detail::append(*features, nn::Conv2d({.in = in, .out = out, .kernel = 3, .padding = 1, .dtype = o.dtype}, gen));
      if (o.batch_norm) detail::append(*features, nn::BatchNorm2d(out, {.dtype = o.dtype}));
      detail::append(*features, nn::ReLU());
      in = out;
    }
    detail::append(*features, nn::MaxPool2d({.kernel = 2, .stride = 2, .ceil_mode = o.ceil_mode}));
  }
  auto classifier = std::make_shared<nn::Sequential>();
  detail::append(*classifier, nn::Dense({.in = in * o.pool * o.pool, .out = o.hidden, .dtype = o.dtype}, gen));
  detail::append(*classifier, nn::ReLU());
  detail::append(*classifier, nn::Dropout(o.dropout, gen));
  detail::append(*classifier, nn::Dense({.in = o.hidden, .out = o.hidden, .dtype = o.dtype}, gen));
  detail::append(*classifier, nn::ReLU());
  detail::append(*classifier, nn::Dropout(o.dropout, gen));
  detail::append(*classifier, nn::Dense({.in = o.hidden, .out = o.classes, .dtype = o.dtype}, gen));
  nn::Sequential net;
  net.push_back("features", features);
  net.push_back("avgpool", nn::AdaptiveAvgPool2d(o.pool));
  net.push_back("flatten", nn::Flatten());
  net.push_back("classifier", classifier);
  return net;
}

namespace {
VGGOptions with_depth(VGGOptions options, int depth) {
  options.depth = depth;
  return options;
}
}  // namespace

nn::Sequential vgg11(VGGOptions options, Generator& gen) { return vgg(with_depth(options, 11), gen); }
nn::Sequential vgg13(VGGOptions options, Generator& gen) { return vgg(with_depth(options, 13), gen); }
nn::Sequential vgg16(VGGOptions options, Generator& gen) { return vgg(with_depth(options, 16), gen); }
nn::Sequential vgg19(VGGOptions options, Generator& gen) { return vgg(with_depth(options, 19), gen); }

}  // namespace soma::models
