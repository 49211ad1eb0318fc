// Embedding: a learned table of vectors looked up by integer ids (PyTorch's nn.Embedding).
#pragma once

#include <optional>

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::nn {

struct EmbeddingOptions {
  std::int64_t num_embeddings = 0;  ///< V, the number of ids (required, > 0)
  std::int64_t embedding_dim = 0;   ///< D (required, > 0)
  /// This id's row starts at zeros and never receives a gradient (a padding token); negative
  /// counts from the end, as in PyTorch.
  std::optional<std::int64_t> padding_idx = std::nullopt;
  DType dtype = DType::f32;
};

/// PyTorch's nn.Embedding: weight [V, D] initialized N(0, 1) from `gen` (the padding row
/// zeroed). forward maps int64 ids [*] to [*, D]; throws soma::Error naming the layer for an
/// id outside [0, V) or non-int64 ids.
///   nn::Embedding emb({.num_embeddings = 5, .embedding_dim = 8});  Tensor v = emb(ids);  // [N, T] -> [N, T, 8]
class Embedding : public Module {
 public:
  explicit Embedding(const EmbeddingOptions& options, Generator& gen = default_generator());
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen = default_generator())
      : Embedding(EmbeddingOptions{.num_embeddings = num_embeddings, .embedding_dim = embedding_dim}, gen) {}

  Tensor forward(const Tensor& ids) override;
  std::string type_name() const override { return "Embedding"; }
  /// ids [*] -> [*, embedding_dim] ([N, T] -> [N, T, D]). A shape carries no dtype: that the
  /// ids are int64 and inside [0, V) is checked when data flows. FLOPs: none (a lookup).
  Shape output_shape(const Shape& input) const override;

  const Tensor& weight() const { return weight_; }
  const EmbeddingOptions& options() const { return options_; }

 private:
  EmbeddingOptions options_;
  Tensor weight_;
};

}  // namespace soma::nn
