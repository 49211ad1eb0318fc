// OverFeat fast model, table 1 of the paper: layers 1-5 convolutional (with the pools of
// layers 1, 2 and 5), layers 6-8 fully connected (3072, 4096, classes).
#include "soma/models/overfeat.h"

#include "indexed.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"

namespace soma::models {

nn::Sequential overfeat(const OverfeatOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1 && o.hidden[0] >= 1 && o.hidden[1] >= 1,
             "overfeat: in_channels, classes and hidden must be >= 1, got ", o.in_channels, ", ", o.classes, ", ",
             o.hidden[0], ", ", o.hidden[1]);
  // 231 -> 56 (conv 11/4) -> 28 (pool) -> 24 (conv 5) -> 12 (pool) -> 12, 12, 12 -> 6 (pool);
  // the small stem keeps the size: 28 -> 28 -> 14 -> 10 -> 5 -> 2.
  const std::int64_t s1 = o.small_input ? o.image_size : (o.image_size - 11) / 4 + 1, s2 = s1 / 2, s3 = s2 - 4,
                     s4 = s3 / 2, s5 = s4 / 2;
  SOMA_CHECK(o.image_size >= 11 && s5 >= 1, "overfeat: the image must be at least ", o.small_input ? "16x16" : "71x71",
             " (the features of table 1 end with a 2x2 pool of a map of at least 2x2), got ", o.image_size);
  auto features = std::make_shared<nn::Sequential>();
  auto conv = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
    detail::append(*features, nn::Conv2d({.in = in, .out = out, .kernel = kernel, .stride = stride,
                                          .padding = padding, .dtype = o.dtype},
                                         gen));
    detail::append(*features, nn::ReLU());
  };
  auto pool = [&] { detail::append(*features, nn::MaxPool2d(2)); };
  if (o.small_input) conv(o.in_channels, 96, 3, 1, 1);
  else conv(o.in_channels, 96, 11, 4, 0);
  pool();
  conv(96, 256, 5, 1, 0);
  pool();
  conv(256, 512, 3, 1, 1);
  conv(512, 1024, 3, 1, 1);
  conv(1024, 1024, 3, 1, 1);
  pool();
  auto classifier = std::make_shared<nn::Sequential>();
  detail::append(*classifier, nn::Dense({.in = 1024 * s5 * s5, .out = o.hidden[0], .dtype = o.dtype}, gen));
  detail::append(*classifier, nn::ReLU());
  detail::append(*classifier, nn::Dropout(o.dropout, gen));
  detail::append(*classifier, nn::Dense({.in = o.hidden[0], .out = o.hidden[1], .dtype = o.dtype}, gen));
  detail::append(*classifier, nn::ReLU());
  detail::append(*classifier, nn::Dropout(o.dropout, gen));
  detail::append(*classifier, nn::Dense({.in = o.hidden[1], .out = o.classes, .dtype = o.dtype}, gen));
  nn::Sequential net;
  net.push_back("features", features);
  net.push_back("flatten", nn::Flatten());
  net.push_back("classifier", classifier);
  return net;
}

}  // namespace soma::models
