// Dataset: indexed examples, fetched a batch at a time. Examples are (x, y) pairs; a batch
// stacks them along a new leading axis N.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "soma/core/tensor.h"

namespace soma::data {

/// Inputs and targets of one batch: x [N, ...], y [N, ...] (y int64 [N] for class labels).
struct Batch {
  Tensor x;
  Tensor y;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual std::int64_t size() const = 0;
  /// The examples at `indices`, stacked into a batch. Throws soma::Error for an index out of range.
  /// NOTE: a DataLoader calls this from its background thread, so it must not touch state that
  /// other threads change (the datasets in soma/data only read).
  virtual Batch get(std::span<const std::int64_t> indices) const = 0;
};

/// A dataset held in memory as two tensors whose leading axes are the examples.
///   auto train = std::make_shared<data::TensorDataset>(x, y);   // x [60000, 1, 28, 28], y [60000]
/// x and y may be float32, float64 or int64. y may be undefined (unlabeled data: autoencoders,
/// GANs); batches then have an undefined y. get() copies the selected rows (no autograd graph,
/// no storage shared with x and y) and is safe to call from several threads at once.
class TensorDataset : public Dataset {
 public:
  /// Throws soma::Error when x is undefined or 0-dim, when y is defined but 0-dim, and when
  /// x and y hold different numbers of examples (naming both shapes).
  TensorDataset(Tensor x, Tensor y = Tensor());
  std::int64_t size() const override;
  Batch get(std::span<const std::int64_t> indices) const override;
  const Tensor& x() const { return x_; }
  const Tensor& y() const { return y_; }

 private:
  Tensor x_, y_;
};

}  // namespace soma::data
