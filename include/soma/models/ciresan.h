// The deep MLP of Ciresan, Meier, Gambardella & Schmidhuber 2010 ("Deep, big, simple neural
// nets for handwritten digit recognition", table 1, network ID 5: 784-2500-2000-1500-1000-500-10),
// trained on MNIST with elastic distortions, as an nn::Sequential. The paper's activation is a
// scaled tanh (1.7159 tanh(0.6666 x)); here plain tanh, whose scale the next layer's weights absorb.
#pragma once

#include <cstdint>
#include <vector>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

struct CiresanMlpOptions {
  std::int64_t in_features = 784;  ///< pixels per image (the input is flattened first)
  std::vector<std::int64_t> hidden = {2500, 2000, 1500, 1000, 500};  ///< the paper's largest net
  std::int64_t classes = 10;
  DType dtype = DType::f32;
};

/// "flatten", then "fc1", "act1", ..., "fc<k>" (Dense + tanh per hidden layer, Dense to
/// classes): [N, 1, 28, 28] (or [N, 784]) -> [N, 10]. 11,972,510 parameters by default.
/// Throws soma::Error for an empty hidden list or sizes below 1.
nn::Sequential ciresan_mlp(const CiresanMlpOptions& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
