// Dropout layer: inverted dropout (Srivastava et al. 2014) in training mode, the identity in
// evaluation mode. A thin module over ops/dropout.h. The layer owns the generator its masks
// come from (registered as "generator", so checkpoints save it): training never draws from a
// process-wide generator, and two models in one process cannot disturb each other's masks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::nn {

struct DropoutOptions {
  double p = 0.5;  ///< probability of zeroing an element, in [0, 1] (1 drops everything)
  /// Seeds the layer's own mask generator. Absent: one seed is drawn from the construction
  /// generator (`gen` of the constructor), so a model built from a seeded generator gets the
  /// same masks on every run.
  std::optional<std::uint64_t> seed = std::nullopt;
};

/// Zeroes each element with probability p while training and scales the kept ones by
/// 1/(1 - p); passes x through unchanged after eval(). Like PyTorch's nn.Dropout(p), except
/// that the masks come from the layer's own Generator, not a global one.
///   nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dropout(0.3), nn::Dense(256, 10)};
///   nn::Dropout drop({.p = 0.3, .seed = 42});  // masks from Generator(42)
/// The mask generator is registered as "generator" (named_generators() lists it, e.g.
/// "layers.2.generator"); a copy of the layer shares it. Without options.seed, construction
/// takes exactly one draw (next_u64) from `gen` (default: default_generator()) as the seed;
/// `gen` is not kept. Throws soma::Error for p outside [0, 1] (NaN included).
class Dropout : public Module {
 public:
  explicit Dropout(double p = DropoutOptions{}.p, Generator& gen = default_generator());
  explicit Dropout(const DropoutOptions& options, Generator& gen = default_generator());

  /// Any shape; the output has x's shape. Draws one number per element from generator()
  /// in training mode (none when p is 0 or 1, or after eval()).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  Shape output_shape(const Shape& input) const override { return input; }

  double p() const { return p_; }
  /// The generator the masks come from (shared with copies of this layer).
  Generator& generator() const { return *gen_; }

 private:
  double p_;
  std::shared_ptr<Generator> gen_;
};

}  // namespace soma::nn
