// Ciresan et al. 2010: a plain MLP; the paper's point is that enough width, depth, deformed
// training data and GPU time get 0.35% test error on MNIST without convolutions.
#include "soma/models/ciresan.h"

#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"

namespace soma::models {

nn::Sequential ciresan_mlp(const CiresanMlpOptions& o, Generator& gen) {
  SOMA_CHECK(o.in_features >= 1 && o.classes >= 1 && !o.hidden.empty(), "ciresan_mlp: in_features and classes must ",
             "be >= 1 and hidden non-empty, got ", o.in_features, ", ", o.classes, ", ", o.hidden.size(), " layers");
  nn::Sequential net;
  net.push_back("flatten", nn::Flatten());
  std::int64_t in = o.in_features;
  for (std::size_t i = 0; i < o.hidden.size(); ++i) {
    SOMA_CHECK(o.hidden[i] >= 1, "ciresan_mlp: hidden layer ", i + 1, " must have at least one unit, got ", o.hidden[i]);
    const std::string k = std::to_string(i + 1);
    net.push_back("fc" + k, nn::Dense({.in = in, .out = o.hidden[i], .dtype = o.dtype}, gen));
    net.push_back("act" + k, nn::Tanh());
    in = o.hidden[i];
  }
  net.push_back("fc" + std::to_string(o.hidden.size() + 1), nn::Dense({.in = in, .out = o.classes, .dtype = o.dtype}, gen));
  return net;
}

}  // namespace soma::models
