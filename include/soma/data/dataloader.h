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

/// A transform applied to every batch as it is loaded (normalization, augmentation; see
/// soma/data/transforms.h). It draws any randomness from the given generator, which the loader
/// seeds for each batch from the epoch (a seed drawn from the loader's generator after the
/// epoch's shuffle) and the batch's index among all shards' batches (b * world_size + rank;
/// just b without sharding): a batch's random draws are the same with or without prefetching
/// and after resuming from a LoaderState.
/// NOTE: with prefetching it runs on the loader's background thread.
using Transform = std::function<Batch(Batch, Generator&)>;

struct DataLoaderOptions {
  std::int64_t batch_size = 32;  ///< examples per batch (> 0)
  bool shuffle = false;          ///< a new random order every epoch
  bool drop_last = false;        ///< skip the final batch when it is short
  bool prefetch = true;          ///< load the next batch on a background thread
  std::uint64_t seed = 0;        ///< seeds the loader's generator (shuffling, transforms)
  std::vector<Transform> transforms;  ///< applied in order to each batch
  /// The shard this loader reads, for data-parallel training (PyTorch's DistributedSampler):
  /// every rank computes the same epoch order (same seed on all ranks) and takes its
  /// positions rank, rank + world_size, rank + 2 world_size, ... of it, so the shards of one
  /// epoch are disjoint and together hold every example once. Shards differ in size by at
  /// most one example; with drop_last each rank keeps only the full batches of the smallest
  /// shard, so all ranks take the same number of steps.
  /// NOTE: unlike DistributedSampler, a shard is never padded by repeating examples: without
  /// drop_last, ranks may get batches_per_epoch() values one apart.
  int rank = 0;        ///< this loader's shard, in [0, world_size)
  int world_size = 1;  ///< number of shards (>= 1); 1 reads the whole epoch
};

/// Where a loader stands: the epoch, the next batch within it, and the generator state
/// that produced this epoch's order. Restoring it reproduces the remaining batches exactly
/// (given the same dataset and options).
struct LoaderState {
  /// Epochs begun so far: 0 before the first start_epoch(), 1 during the first epoch.
  std::int64_t epoch = 0;
  /// The batch the next call to next() returns (batches_per_epoch() once the epoch is done).
  std::int64_t next_batch = 0;
  /// Generator::state() at the start of the current epoch, before its shuffle (before the
  /// first epoch: the state the first epoch will start from).
  std::string generator;
};

///   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
///   for (std::int64_t e = 0; e < 5; ++e) {
///     loader.start_epoch();
///     while (auto batch = loader.next()) { ... }
///   }
class DataLoader {
 public:
  /// Throws soma::Error for a null dataset, batch_size <= 0, world_size < 1, or a rank
  /// outside [0, world_size).
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  /// Stops and joins the background thread (waiting for a batch it is loading).
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Begins the next epoch (a new order when shuffling). Calling it mid-epoch abandons the rest.
  /// With prefetch, the first batch starts loading at once.
  void start_epoch();
  /// The next batch of the current epoch, or nothing at its end. An exception thrown by the
  /// dataset or a transform (on the background thread too) is rethrown here; the failed batch
  /// is not consumed, so calling next() again retries it.
  /// Throws soma::Error when no epoch was started.
  std::optional<Batch> next();
  /// Batches per epoch of this loader's shard (honouring drop_last).
  std::int64_t batches_per_epoch() const;
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  /// Where the loader stands (batches prefetched but not returned by next() do not count).
  LoaderState state() const;
  /// Continues from a saved state: the next call to next() returns the batch that followed,
  /// bit-identical to the one an uninterrupted loader would have returned, and later epochs
  /// follow as they would have. Abandons the current epoch. Throws soma::Error for a negative
  /// epoch or batch, next_batch past the end of the epoch, or an unreadable generator state.
  void set_state(const LoaderState& state);

 private:
  struct Impl;
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soma::data
