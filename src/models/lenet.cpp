// LeNet-5: the 1998 paper's layer sizes (6 and 16 feature maps, 120-84-10). C5 is a
// convolution whose kernel covers all of S4's map, as in the paper (5x5 for a 32x32 input), so
// its output is 1x1 for any image size and F6 always sees 120 features.
#include "soma/models/lenet.h"

#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"

namespace soma::models {

namespace {

std::shared_ptr<nn::Module> activation(bool modern) {
  if (modern) return std::make_shared<nn::ReLU>();
  return std::make_shared<nn::Tanh>();
}

std::shared_ptr<nn::Module> pool(bool modern) {
  if (modern) return std::make_shared<nn::MaxPool2d>(2);
  return std::make_shared<nn::AvgPool2d>(2);
}

}  // namespace

nn::Sequential lenet5(const LeNet5Options& o, Generator& gen) {
  SOMA_CHECK(o.in_channels >= 1 && o.classes >= 1 && o.padding >= 0, "lenet5: in_channels and classes must be >= 1 ",
             "and padding >= 0, got ", o.in_channels, ", ", o.classes, ", ", o.padding);
  const std::int64_t field = o.image_size + 2 * o.padding;
  SOMA_CHECK(field >= 12, "lenet5: the image (", o.image_size, " + 2 x padding ", o.padding,
             ") must be at least 12 pixels for two 5x5 convolutions and two 2x2 pools (the paper's is 32)");
  const std::int64_t s4 = ((field - 4) / 2 - 4) / 2;  // S4's map size: 5 for the paper's 32x32
  nn::Sequential net;
  net.push_back("c1", nn::Conv2d({.in = o.in_channels, .out = 6, .kernel = 5, .padding = o.padding, .dtype = o.dtype}, gen));
  net.push_back("act1", activation(o.modern));
  net.push_back("s2", pool(o.modern));
  net.push_back("c3", nn::Conv2d({.in = 6, .out = 16, .kernel = 5, .dtype = o.dtype}, gen));
  net.push_back("act3", activation(o.modern));
  net.push_back("s4", pool(o.modern));
  net.push_back("c5", nn::Conv2d({.in = 16, .out = 120, .kernel = s4, .dtype = o.dtype}, gen));
  net.push_back("act5", activation(o.modern));
  net.push_back("flatten", nn::Flatten());
  net.push_back("f6", nn::Dense({.in = 120, .out = 84, .dtype = o.dtype}, gen));
  net.push_back("act6", activation(o.modern));
  net.push_back("output", nn::Dense({.in = 84, .out = o.classes, .dtype = o.dtype}, gen));
  return net;
}

}  // namespace soma::models
