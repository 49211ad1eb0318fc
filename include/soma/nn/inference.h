// InferencePlan: a Sequential prepared once for fast forward passes at one input shape, as
// TorchScript's freeze or an ONNX Runtime session prepare a model: buffers planned up front,
// no autograd graph, and each Dense fused with its bias and the activation after it into one
// kernel. In float32 it reads the model's parameters, it does not copy them: later weight
// updates are seen. Not for training (nothing is recorded) and not thread-safe (one plan per
// thread). docs/models.md.
#pragma once

#include <memory>
#include <string>

#include "soma/core/tensor.h"
#include "soma/nn/sequential.h"

namespace soma::nn {

struct InferenceOptions {
  /// Fused Dense layers read their weights as bfloat16 (rounded to nearest even, 8 bits of
  /// mantissa) and round their inputs alike; products are summed in float32, as AVX512_BF16's
  /// vdpbf16ps and PyTorch's autocast to bfloat16 do. Half the bytes of weights to read per
  /// call; outputs differ from float32's by up to about 1% (docs/models.md gives the accuracy
  /// change measured on Fashion-MNIST). The rounded weights are a copy made at planning: after a
  /// weight update, call refresh(). Vectorized where the CPU has AVX512_BF16, a plain loop elsewhere.
  bool bf16 = false;
};

/// A Sequential's forward in evaluation mode at a fixed input shape, planned once:
///   nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dense(256, 10)};
///   nn::InferencePlan plan(net, {1, 784});
///   const Tensor& y = plan(x);   // == net(x) in eval mode under NoGradGuard, [1, 10]
///
/// What it does: walks the model once (nested Sequentials included); every float32 Dense
/// becomes one fused kernel with its bias and the activation that follows it (a ReLU, Sigmoid,
/// Tanh or LeakyReLU layer, or the Dense's own `activation` when that is one of "relu",
/// "sigmoid", "tanh", "leaky_relu", "linear"), writing into one arena allocated here; Dropout
/// is skipped (the identity in evaluation mode); every other layer (Conv2d, BatchNorm, pooling,
/// Flatten, softmax, float64 layers, ...) runs its own forward, so every Sequential works and
/// the fused parts are faster. Results equal net(x) in evaluation mode up to float rounding
/// (the fused product sums in another order; sigmoid uses exp_fast: ~1e-7 relative).
///
/// Contract:
/// - Requires that `net` outlives the plan and keeps its layers (adding layers after planning
///   is not seen; rebuild the plan). Reads the parameters' storage at every call, so optimizer
///   steps, copy_() and io::load made after planning are seen; nothing is copied (except with
///   InferenceOptions::bf16, see there).
/// - Always computes evaluation mode (Keras' predict): Dropout passes through, batch norm uses
///   its running statistics, whatever mode the model is in; the model's mode is left as found.
/// - Records no graph (its own NoGradGuard), allocates nothing per call for the fused layers
///   (the others allocate as their forward does), opens no OpenMP region at batch 1.
/// - Throws soma::Error at construction when a layer refuses the shape (naming the layer, what
///   it expected and what it got, as Sequential::output_shape does).
class InferencePlan {
 public:
  /// Plans `net` for inputs of shape `input` (batch axis first, e.g. {1, 784} or {7, 1, 28, 28})
  /// and of the dtype of its first parameter (float32 for a model without parameters).
  InferencePlan(Sequential& net, const Shape& input, const InferenceOptions& options = {});
  ~InferencePlan();
  InferencePlan(InferencePlan&&) noexcept;
  InferencePlan& operator=(InferencePlan&&) noexcept;

  /// The forward pass of x, whose shape and dtype must be the planned ones. Returns the output,
  /// which lives in the plan's arena when the last layer is fused.
  /// NOTE: the next call overwrites it; keep a result with `plan(x).copy()`.
  /// Throws soma::Error for another shape (naming the layer that refuses it, or the planned
  /// batch when only the batch differs) or another dtype.
  const Tensor& operator()(const Tensor& x);

  /// Reads the weights again into a bf16 plan's copy of them (InferenceOptions::bf16); a float32
  /// plan has no copy (it reads the parameters at every call), and this does nothing.
  void refresh();

  const Shape& input_shape() const;
  /// The shape of what operator() returns.
  const Shape& output_shape() const;
  /// One line per step, e.g. "layers.0 (Dense) + layers.1 (ReLU): fused, 784 -> 256, relu" or
  /// "layers.5 (Conv2d): own forward", to check what was fused.
  std::string describe() const;
  /// How many Dense layers run as fused kernels.
  int fused_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soma::nn
