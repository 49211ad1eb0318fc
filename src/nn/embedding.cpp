// Embedding: PyTorch's init N(0, 1) with the padding row zeroed; the lookup is ops/embedding.cpp.
#include "soma/nn/embedding.h"

#include "soma/core/factory.h"
#include "soma/ops/embedding.h"

namespace soma::nn {

Embedding::Embedding(const EmbeddingOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.num_embeddings > 0 && options.embedding_dim > 0,
             "Embedding: num_embeddings and embedding_dim must be positive, got ", options.num_embeddings, " and ",
             options.embedding_dim);
  const std::int64_t V = options.num_embeddings;
  if (options.padding_idx)
    SOMA_CHECK(*options.padding_idx >= -V && *options.padding_idx < V, "Embedding: padding_idx ",
               *options.padding_idx, " is outside [-", V, ", ", V, ")");
  Tensor w = normal({V, options.embedding_dim}, 0, 1, gen, options.dtype);
  if (options.padding_idx) {
    const std::int64_t pad = *options.padding_idx < 0 ? *options.padding_idx + V : *options.padding_idx;
    for (std::int64_t j = 0; j < options.embedding_dim; ++j) w.set({pad, j}, 0.0);
  }
  weight_ = register_parameter("weight", w);
}

Shape Embedding::output_shape(const Shape& input) const {
  Shape out = input;
  out.push_back(options_.embedding_dim);
  return out;
}

Tensor Embedding::forward(const Tensor& ids) {
  SOMA_CHECK(ids.defined() && ids.dtype() == DType::i64, "Embedding(", options_.num_embeddings, ", ",
             options_.embedding_dim, "): expects int64 ids, got ",
             ids.defined() ? name_of(ids.dtype()) : "an undefined tensor");
  try {
    return embedding(ids, weight_, options_.padding_idx);
  } catch (const Error& e) {
    detail::throw_error("Embedding(", options_.num_embeddings, ", ", options_.embedding_dim, "): ", e.what());
  }
}

}  // namespace soma::nn
