// summary: a Keras-like table of a model for a given input shape — each layer with its output
// shape, parameter count and multiply-adds per sample — worked out by shape inference alone,
// so it is also the check that the model fits its input before any data flows.
// Not here: memory estimates, per-layer timings.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "soma/nn/module.h"

namespace soma::nn {

class Graph;

/// One row of a summary.
struct LayerSummary {
  std::string layer;                ///< path, name and type: "layers.0 'conv1' (Conv2d)", "skip (Add)"
  std::string output_shape;         ///< "[N, 32, 28, 28]" (see summarize)
  std::int64_t parameters = 0;      ///< the layer's parameter count, all of them
  std::int64_t flops = 0;           ///< multiply-adds for one sample
  std::string arithmetic;           ///< the layer's shape_arithmetic, e.g. "input 1x28x28, ... -> 28x28"
  std::vector<std::string> inputs;  ///< in a Graph, the nodes it reads; empty in a Sequential
};

struct ModelSummary {
  std::string model;                       ///< the model's type name
  std::vector<std::string> input_shapes;   ///< "[N, 1, 28, 28]" per input
  std::vector<LayerSummary> layers;
  std::int64_t total_parameters = 0;       ///< every parameter tensor's elements, shared ones once
  std::int64_t trainable_parameters = 0;   ///< those that require grad
  std::int64_t non_trainable_parameters = 0;  ///< frozen ones (requires_grad off)
  std::int64_t buffer_values = 0;          ///< elements of buffers (batch-norm statistics): not parameters
  std::int64_t flops = 0;                  ///< multiply-adds for one sample, all layers

  /// The table as text, one line per layer (ends with a newline).
  std::string str() const;
};

std::ostream& operator<<(std::ostream& os, const ModelSummary& summary);

/// Works out the summary of `model` for one input of per-sample shape `sample_shape` (no batch
/// axis: {1, 28, 28}). Shapes are inferred with a batch of 1 and again with 2: an output whose
/// first axis follows the batch prints as "[N, ...]", any other as its shape for one sample.
/// Sequentials are listed layer by layer (nested ones too, with dotted paths); a Graph node by
/// node; any other module is one row. Parameter counts match PyTorch's (sum of numel over
/// parameters); a layer used twice shows its count on each row but is counted once in the totals.
/// FLOPs are multiply-adds per sample, each layer's flops() (Dense in*out, Conv2d
/// out*OH*OW*in/groups*kH*kW, ConvTranspose2d in*H*W*out/groups*kH*kW, recurrent layers
/// T*G*H*(F+H) per stacked layer, BatchNorm one per element; the table in docs/models.md).
/// Throws soma::Error as the model's output_shape does (the layer's path, name, type and the
/// arithmetic that failed), or naming a layer without shape inference.
ModelSummary summarize(const Module& model, const Shape& sample_shape);
/// For a Graph, which knows its input shapes (all of them, for several inputs).
ModelSummary summarize(const Graph& model);

/// summarize(...).str(): print with std::cout << nn::summary(net, {1, 28, 28});
std::string summary(const Module& model, const Shape& sample_shape);
std::string summary(const Graph& model);

}  // namespace soma::nn
