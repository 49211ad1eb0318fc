// The trained model that soma evaluate, predict and export start from: a run folder or a model
// .safetensors that carries its resolved config in its metadata.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <soma/config/section.h>
#include <soma/io/weights.h>

namespace soma::cli {

struct Loaded {
  config::Json config;                                  ///< the resolved config of the run
  std::vector<std::pair<std::string, Tensor>> weights;  ///< the model's state dict
  std::string origin;
  std::string config_origin;  ///< the file the config came from, for errors
};

/// A run folder (its model.safetensors, or its checkpoint when training did not finish) or a
/// model file saved by soma train. Throws soma::Error saying what is missing.
Loaded load_target(const std::string& target);

/// load_target for a supervised model or an autoencoder; a GAN, VAE or RBM run has none to run:
/// throws soma::Error naming its learner.
Loaded load_supervised(const std::string& target);

/// For load errors: the file, and advice a command-line user can act on (not the C++ API's
/// strict = false).
io::LoadSource load_source(const Loaded& loaded);

}  // namespace soma::cli
