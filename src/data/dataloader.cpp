// DataLoader: epoch order, batching, transforms and a one-batch-ahead prefetch thread.
// Determinism rests on one rule: a batch is a pure function of (epoch order, epoch seed, batch
// index). The loader's generator is touched only by start_epoch/set_state on the caller's
// thread: it draws the epoch's order, then the epoch seed; each batch's transforms get a fresh
// generator seeded from (epoch seed, batch). So prefetching, stopping and resuming cannot change
// what a batch holds, and a LoaderState (which holds the generator) carries all the randomness.
// A shard (rank of world_size) takes every world_size-th position of the epoch's order, so all
// ranks share one order computation and only the positions they read differ.
// Not a multi-worker loader: one background thread, since a batch here is a memcpy gather.
#include "soma/data/dataloader.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "soma/core/permutation.h"

namespace soma::data {
namespace {

// SplitMix64's finalizer (Steele, Lea, Flood 2014): a bijection that spreads every input bit
// over the output, so nearby (epoch, batch) pairs give unrelated generator seeds.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t batch_seed(std::uint64_t epoch_seed, std::int64_t batch) {
  return mix(mix(epoch_seed) ^ std::uint64_t(batch));
}

}  // namespace

struct DataLoader::Impl {
  Impl(const Dataset& dataset, const DataLoaderOptions& options)
      : dataset(dataset), options(options), gen(options.seed) {}

  const Dataset& dataset;
  const DataLoaderOptions& options;

  // The epoch, touched only on the caller's thread (the worker reads `order`, `size`,
  // `batches` and `epoch_seed`, which change only while no worker runs).
  Generator gen;                    // draws each epoch's order, then its epoch_seed
  std::string epoch_start_state;    // gen.state() before this epoch's shuffle
  std::int64_t epochs = 0;          // epochs begun
  std::int64_t next_batch = 0;      // the batch next() returns
  std::int64_t size = 0;            // dataset size at the start of the epoch
  std::int64_t batches = 0;         // batches in this epoch
  std::vector<std::int64_t> order;  // this epoch's order; empty when not shuffling
  std::uint64_t epoch_seed = 0;     // seeds this epoch's transforms, with the batch index

  // The prefetch slot: at most one finished batch (or the exception that replaced it).
  std::thread worker;
  std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;
  bool full = false;
  std::optional<Batch> ready;
  std::exception_ptr error;

  // Examples of this rank's shard in an epoch of n: the positions rank, rank + W, ... below n.
  std::int64_t shard_size(std::int64_t n) const {
    const std::int64_t rank = options.rank, world = options.world_size;
    return n > rank ? (n - rank + world - 1) / world : 0;
  }

  // Batches of this rank's shard. With drop_last, the full batches of the smallest shard
  // (n / W examples), so every rank steps the same number of times.
  std::int64_t count(std::int64_t n) const {
    const std::int64_t bs = options.batch_size;
    return options.drop_last ? n / options.world_size / bs : (shard_size(n) + bs - 1) / bs;
  }

  Batch make_batch(std::int64_t b) const {
    const std::int64_t bs = options.batch_size, rank = options.rank, world = options.world_size;
    const std::int64_t begin = b * bs, end = std::min(begin + bs, shard_size(size));
    std::vector<std::int64_t> indices(std::size_t(end - begin));
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t at = rank + i * world;  // the position in the epoch's order
      indices[i - begin] = order.empty() ? at : order[at];
    }
    Batch batch = dataset.get(indices);
    if (!options.transforms.empty()) {
      // Seeded by the batch's index among all ranks' batches, so two ranks never draw alike.
      Generator g(batch_seed(epoch_seed, b * world + rank));
      for (const auto& transform : options.transforms) batch = transform(std::move(batch), g);
    }
    return batch;
  }

  // The worker: waits for the slot to empty, then loads the next batch into it, so it runs
  // exactly one batch ahead of the consumer.
  void run(std::int64_t from) {
    for (std::int64_t b = from; b < batches; ++b) {
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return stop || !full; });
        if (stop) return;
      }
      std::optional<Batch> batch;
      std::exception_ptr failure;
      try {
        batch = make_batch(b);
      } catch (...) {
        failure = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        if (stop) return;
        ready = std::move(batch);
        error = failure;
        full = true;
      }
      cv.notify_all();
      if (failure) return;  // the consumer rethrows it and restarts us to retry
    }
  }

  void start_worker(std::int64_t from) {
    stop = false;
    full = false;
    worker = std::thread([this, from] { run(from); });
  }

  void stop_worker() {
    if (!worker.joinable()) return;
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    cv.notify_all();
    worker.join();
    ready.reset();
    error = nullptr;
    full = false;
  }

  // Draws the order of the epoch that starts from gen's current state.
  void begin_epoch(std::int64_t epoch_count) {
    epoch_start_state = gen.state();
    size = dataset.size();
    batches = count(size);
    order = options.shuffle ? random_permutation(size, gen) : std::vector<std::int64_t>();
    epoch_seed = gen.next_u64();
    epochs = epoch_count;
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  SOMA_CHECK(dataset_, "DataLoader: the dataset is null");
  SOMA_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got ", options_.batch_size);
  SOMA_CHECK(options_.world_size >= 1, "DataLoader: world_size must be at least 1, got ", options_.world_size);
  SOMA_CHECK(options_.rank >= 0 && options_.rank < options_.world_size, "DataLoader: rank must be in [0, ",
             options_.world_size, ") for world_size ", options_.world_size, ", got ", options_.rank);
  impl_ = std::make_unique<Impl>(*dataset_, options_);
}

DataLoader::~DataLoader() { impl_->stop_worker(); }

void DataLoader::start_epoch() {
  Impl& m = *impl_;
  m.stop_worker();
  m.begin_epoch(m.epochs + 1);
  m.next_batch = 0;
  if (options_.prefetch && m.batches > 0) m.start_worker(0);
}

std::optional<Batch> DataLoader::next() {
  Impl& m = *impl_;
  SOMA_CHECK(m.epochs > 0, "DataLoader::next: no epoch started; call start_epoch() first");
  if (m.next_batch >= m.batches) return std::nullopt;
  if (!options_.prefetch) {
    Batch batch = m.make_batch(m.next_batch);
    ++m.next_batch;
    return batch;
  }
  if (!m.worker.joinable()) m.start_worker(m.next_batch);  // after a failure, retry
  std::optional<Batch> batch;
  std::exception_ptr failure;
  {
    std::unique_lock lock(m.mutex);
    m.cv.wait(lock, [&] { return m.full; });
    batch = std::move(m.ready);
    failure = m.error;
    m.ready.reset();
    m.error = nullptr;
    m.full = false;
  }
  m.cv.notify_all();
  if (failure) {
    m.stop_worker();  // the worker has returned; join it
    std::rethrow_exception(failure);
  }
  ++m.next_batch;
  return batch;
}

std::int64_t DataLoader::batches_per_epoch() const {
  return impl_->epochs > 0 ? impl_->batches : impl_->count(dataset_->size());
}

LoaderState DataLoader::state() const {
  const Impl& m = *impl_;
  return {m.epochs, m.next_batch, m.epochs > 0 ? m.epoch_start_state : m.gen.state()};
}

void DataLoader::set_state(const LoaderState& state) {
  SOMA_CHECK(state.epoch >= 0 && state.next_batch >= 0, "DataLoader::set_state: epoch ", state.epoch,
             " and next_batch ", state.next_batch, " must not be negative");
  SOMA_CHECK(state.epoch > 0 || state.next_batch == 0, "DataLoader::set_state: next_batch ",
             state.next_batch, " before the first epoch (epoch 0) must be 0");
  Generator restored;
  try {
    restored.set_state(state.generator);
  } catch (const Error&) {
    soma::detail::throw_error("DataLoader::set_state: the generator field is not a Generator::state()");
  }
  Impl& m = *impl_;
  const std::int64_t batches = m.count(dataset_->size());
  SOMA_CHECK(state.next_batch <= batches, "DataLoader::set_state: next_batch ", state.next_batch,
             " is past the end of an epoch of ", batches, " batches");
  m.stop_worker();
  m.gen = restored;
  if (state.epoch == 0) {
    m.epochs = 0;
    m.next_batch = 0;
    return;
  }
  m.begin_epoch(state.epoch);  // redraws the saved epoch's order from its starting state
  m.next_batch = state.next_batch;
  if (options_.prefetch && m.next_batch < m.batches) m.start_worker(m.next_batch);
}

}  // namespace soma::data
