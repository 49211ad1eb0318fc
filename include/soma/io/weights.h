// A model's weights by name: state_dict (parameters and buffers under their dotted names,
// "layers.0.weight"), load_state_dict (copies values into the model's own tensors), and
// save/load of both as a safetensors file that PyTorch reads as a state dict.
// Not a model format: the architecture is not stored; build the model, then load into it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/nn/module.h"

namespace soma::io {

/// The model's parameters then its buffers, each under its dotted name (as named_parameters()
/// and named_buffers() give them). The tensors are the model's own, not copies: reading them
/// later sees later training. Throws soma::Error when two of them share a name.
std::vector<std::pair<std::string, Tensor>> state_dict(const nn::Module& model);

/// Names the strict=false load left alone.
struct LoadReport {
  std::vector<std::string> missing{};     ///< the model's tensors the input lacked (kept as they were)
  std::vector<std::string> unexpected{};  ///< the input's tensors the model has no place for (ignored)
};

/// Copies `tensors` into the model's tensors of the same names, in place (the model's tensors
/// keep their identity, so optimizers holding them see the new values), outside the graph;
/// gradients are left as they are.
/// Requires, for each name present on both sides: the same shape and the same dtype (no
/// conversion: a float64 file does not load into a float32 model). With `strict`, also the
/// same set of names on both sides.
/// Throws soma::Error naming the tensor with the model's and the input's shape or dtype, or
/// listing every missing and unexpected name; on a throw the model is unchanged.
/// Returns the names skipped when not strict (empty lists when strict).
LoadReport load_state_dict(nn::Module& model, const std::vector<std::pair<std::string, Tensor>>& tensors,
                           bool strict = true);

/// Where tensors given to load_state_dict came from, for its messages.
struct LoadSource {
  /// The file they were read from ("run/model.safetensors"): every message names it.
  std::string origin;
  /// Ends the message when names differ (strict): what the reader can do about it. The default
  /// is the C++ advice; a program whose users cannot pass `strict` says what they can do.
  std::string advice = "Pass strict = false to load the common names only";
};
/// load_state_dict for tensors read from `source.origin`: as above, but the messages start
/// "load '<origin>'" and a names-differ message ends with `source.advice` (none when empty).
///   io::load_state_dict(net, file.tensors, {.origin = path, .advice = "Give the model file soma train wrote"});
LoadReport load_state_dict(nn::Module& model, const std::vector<std::pair<std::string, Tensor>>& tensors,
                           const LoadSource& source, bool strict = true);
/// Writes state_dict(model) to `path` as a safetensors file, atomically. Throws soma::Error
/// naming `path` when it cannot be written (the old file is then left as it was).
///   io::save(net, "fashion_cnn.safetensors");
void save(const nn::Module& model, const std::string& path);

/// Reads a safetensors file (see load_safetensors) and loads it into `model` (see
/// load_state_dict). Throws soma::Error naming `path` for a bad file, mismatched tensors, or
/// (strict) missing and unexpected names; the model is then unchanged.
///   nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dense(256, 10)};
///   io::load(net, "mlp.safetensors");
LoadReport load(nn::Module& model, const std::string& path, bool strict = true);

}  // namespace soma::io
