// Subsets and random splits of a dataset (train/validation/test), PyTorch's Subset and
// random_split. A subset holds indices into its parent, never a copy of the data.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "soma/data/dataset.h"

namespace soma::data {

/// The examples of `dataset` at `indices`, in that order: example i is dataset[indices[i]].
class Subset : public Dataset {
 public:
  /// Throws soma::Error for a null dataset and for an index outside [0, dataset->size()).
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices);
  std::int64_t size() const override { return std::int64_t(indices_.size()); }
  Batch get(std::span<const std::int64_t> indices) const override;
  /// The parent dataset.
  const Dataset& dataset() const { return *dataset_; }
  /// Indices into the parent: example i of the subset is parent example indices()[i].
  const std::vector<std::int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<std::int64_t> indices_;
};

/// Splits `dataset` into disjoint random subsets that together cover it, in a random order
/// drawn from Generator(seed):
///   auto parts = data::random_split(ds, {0.8, 0.1, 0.1}, 42);   // fractions
///   auto parts = data::random_split(ds, {50000, 10000}, 42);    // counts (must sum to size)
/// NOTE: lengths are doubles; pass integer variables as double(n) (braces forbid narrowing).
/// As in PyTorch, `lengths` are fractions when they sum to 1 (within 1e-9) and to at most 1:
/// each part gets floor(fraction * size) and the examples left over go one each to the parts in
/// order. Otherwise they are counts and must be whole numbers summing to dataset->size().
/// Throws soma::Error for a null dataset, no lengths, a negative length, counts that are not
/// whole numbers or do not sum to the size.
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double>& lengths, std::uint64_t seed);

/// The two parts of train_validation_split (structured bindings: auto [train, validation]).
struct TrainValidation {
  std::shared_ptr<Subset> train;
  std::shared_ptr<Subset> validation;
};

/// A random train/validation split: random_split(dataset, {1 - validation_fraction,
/// validation_fraction}, seed).
///   auto [train, validation] = data::train_validation_split(ds, 0.1, 1);
/// Throws soma::Error when validation_fraction is outside [0, 1].
TrainValidation train_validation_split(std::shared_ptr<const Dataset> dataset, double validation_fraction,
                                       std::uint64_t seed);

}  // namespace soma::data
