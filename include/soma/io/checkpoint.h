// Checkpoints: everything a training run needs to resume exactly, in one safetensors file
// written atomically. Tensors are grouped by a component prefix ("model.layers.0.weight",
// "optimizer.state.0.exp_avg"); scalars and strings (epoch, step, generator states, loader
// position) go to the metadata. Generic on purpose: it knows no trainer, optimizer or loader;
// the trainer decides which components go in and restores each from its prefix.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::io {

/// The contents of a checkpoint file:
///   io::Checkpoint ckpt;
///   ckpt.add("model", io::state_dict(net));
///   ckpt.add("optimizer", opt.state_dict());
///   ckpt.set_integer("epoch", epoch);
///   ckpt.set_text("rng.noise", noise_generator.state());
///   io::save_checkpoint("run/checkpoint.safetensors", ckpt);
/// and to resume:
///   auto ckpt = io::load_checkpoint("run/checkpoint.safetensors");
///   io::load_state_dict(net, ckpt.take("model"));
///   opt.load_state_dict(ckpt.take_map("optimizer"));
///   int epoch = int(ckpt.integer("epoch"));
/// NOTE: add() keeps the tensors themselves, not copies (a model's state_dict is its live
/// weights): save the checkpoint before training goes on, or add copies.
struct Checkpoint {
  /// Every tensor under its full name ("model.layers.0.weight"), in the order added.
  std::vector<std::pair<std::string, Tensor>> tensors{};
  /// Named scalars and strings; see set_text/set_integer/set_real.
  std::map<std::string, std::string> metadata{};

  /// Adds each tensor as "<prefix>.<name>". Requires: `prefix` not empty and not ending in
  /// '.'; every tensor defined; no resulting name already present. Throws soma::Error naming
  /// the prefix and tensor otherwise (nothing is added then).
  void add(const std::string& prefix, const std::vector<std::pair<std::string, Tensor>>& named);
  void add(const std::string& prefix, const std::map<std::string, Tensor>& named);
  /// For a braced list, which would be ambiguous between the two above: add("ema", {{"w", w}}).
  void add(const std::string& prefix, std::initializer_list<std::pair<std::string, Tensor>> named);
  /// The tensors named "<prefix>.<name>", as (name, tensor) in the order held. Empty when none.
  std::vector<std::pair<std::string, Tensor>> take(const std::string& prefix) const;
  /// take() as a map, the form optimizers' load_state_dict accepts.
  std::map<std::string, Tensor> take_map(const std::string& prefix) const;
  /// True when some tensor's name starts with "<prefix>.".
  bool has(const std::string& prefix) const;

  void set_text(const std::string& key, std::string value) { metadata[key] = std::move(value); }
  /// Stored in decimal.
  void set_integer(const std::string& key, std::int64_t value);
  /// Stored in the shortest decimal form that reads back to the same double (NaN and
  /// infinities included), so a learning rate survives a save exactly.
  void set_real(const std::string& key, double value);
  /// The metadata value of `key`. Throws soma::Error naming the key when it is absent, or
  /// (integer, real) when the text is not a number of that kind.
  const std::string& text(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
};

/// Writes `checkpoint` to `path` as a safetensors file, atomically (see io::AtomicFile): a
/// crash during the save leaves the previous checkpoint intact. Its metadata also gets
/// "soma.checkpoint" = "1" (the layout version), which load_checkpoint requires.
/// Throws soma::Error naming `path` when a tensor is undefined, a metadata key is
/// "soma.checkpoint", or the file cannot be written.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// Reads a checkpoint written by save_checkpoint (validated as in load_safetensors).
/// Throws soma::Error naming `path` for a bad file, or a safetensors file that is not a soma
/// checkpoint (no "soma.checkpoint" metadata, or a newer version).
Checkpoint load_checkpoint(const std::string& path);

}  // namespace soma::io
