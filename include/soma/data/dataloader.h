// DataLoader: iterates a Dataset in batches — shuffled from a seeded Generator each epoch,
// optionally dropping the last short batch, and preparing the next batch on a background
// thread while the current one trains. Its position can be saved and restored, so a
// training run resumes on exactly the batch where it stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "soma/core/generator.h"
#include "soma/data/dataset.h"

namespace soma::data {

/// A transform applied to every batch as it is loaded (normalization, augmentation).
/// It draws any randomness from the given generator (the loader's own).
using Transform = std::function<Batch(Batch, Generator&)>;

struct DataLoaderOptions {
  std::int64_t batch_size = 32;  ///< examples per batch (> 0)
  bool shuffle = false;          ///< a new random order every epoch
  bool drop_last = false;        ///< skip the final batch when it is short
  bool prefetch = true;          ///< load the next batch on a background thread
  std::uint64_t seed = 0;        ///< seeds the loader's generator (shuffling, transforms)
  std::vector<Transform> transforms;  ///< applied in order to each batch
};

/// Where a loader stands: the epoch, the next batch within it, and the generator state
/// that produced this epoch's order. Restoring it reproduces the remaining batches exactly.
struct LoaderState {
  std::int64_t epoch = 0;
  std::int64_t next_batch = 0;
  std::string generator;  ///< Generator::state() at the start of the epoch
};

///   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
///   for (std::int64_t e = 0; e < 5; ++e) {
///     loader.start_epoch();
///     while (auto batch = loader.next()) { ... }
///   }
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Begins the next epoch (a new order when shuffling). Calling it mid-epoch abandons the rest.
  void start_epoch();
  /// The next batch of the current epoch, or nothing at its end.
  std::optional<Batch> next();
  /// Batches per epoch (honouring drop_last).
  std::int64_t batches_per_epoch() const;
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  LoaderState state() const;
  /// Continues from a saved state: the next call to next() returns the batch that followed.
  void set_state(const LoaderState& state);

 private:
  struct Impl;
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soma::data
