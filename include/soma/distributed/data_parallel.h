// DataParallel: a Learner trained on N ranks as one (PyTorch's DistributedDataParallel over
// MPI). Each rank steps on its own shard of every batch; before every optimizer step the
// gradient hook (train/learner.h) averages the gradients over the ranks, in buckets of about
// bucket_mb taken in reverse parameter order (the order backward produces them), each bucket's
// allreduce started as soon as it is packed and all waited for together. The hook runs after
// the whole backward pass (the autograd engine has no per-parameter hook), so communication
// overlaps the packing of the other buckets, not the backward pass itself.
//   distributed::Communicator comm;
//   distributed::DataParallel ddp(comm, learner);
//   ddp.configure(fit);                        // rank, world size, the callback below
//   loop.fit(distributed::even_shards(train, comm.size()), fit);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "soma/data/dataset.h"
#include "soma/distributed/communicator.h"
#include "soma/train/loop.h"

namespace soma::distributed {

struct DataParallelOptions {
  /// Gradient bytes per allreduce, in MiB (default 25, as DDP's bucket_cap_mb). A parameter
  /// larger than a bucket gets a bucket of its own.
  double bucket_mb = 25;
  /// Gathers every rank's gradients and sums them in rank order instead of MPI's allreduce:
  /// every rank then holds the same bits for any N and any MPI algorithm, at N times the
  /// traffic. (With MPI's allreduce the ranks also agree, as the MPI standard advises, but the
  /// order of the sum is the library's.)
  bool fixed_order = false;
  /// After every step, rank 0's buffers (BatchNorm's running statistics) go to every rank, as
  /// DDP's broadcast_buffers: each rank normalizes with its own batch's statistics, and all
  /// ranks evaluate and checkpoint rank 0's running averages.
  bool broadcast_buffers = true;
};

/// Seconds of one optimizer step on this rank: from the end of the last gradient hook to the
/// start of this one (data, forward, backward, the optimizer), and in the hook.
struct StepTime {
  double compute = 0, communication = 0;
};

class DataParallel {
 public:
  /// Installs the gradient hook on `learner`; both must outlive this. Throws soma::Error for a
  /// bucket_mb <= 0.
  DataParallel(Communicator& comm, train::Learner& learner, DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  /// Copies rank 0's parameters, buffers and optimizer states to every rank. Throws
  /// soma::Error when the ranks' models or optimizer states differ in shape.
  void broadcast_state();
  /// The hook: the mean over ranks of `opt`'s gradients, in place. A parameter without a
  /// gradient counts as zeros and stays without one.
  void average_gradients(optim::Optimizer& opt);
  /// Replaces each value by its mean over the ranks (the same keys on every rank).
  void average_logs(train::Logs& logs);
  /// Makes a step's result the whole step's: examples and accuracy counts summed over the
  /// ranks, each value their mean weighted by examples (FitOptions::reduce_step).
  void reduce_step(train::StepResult& result);

  /// Sets fit's rank, world_size and reduce_step, and puts first in its callbacks one that
  /// broadcasts the state before the first step (after a resume has loaded it), checks that
  /// every rank has as many batches, and averages the validation logs over the ranks before
  /// other callbacks and the sinks see them.
  void configure(train::FitOptions& fit);

  /// Every optimizer step so far on this rank.
  const std::vector<StepTime>& step_times() const { return times_; }
  Communicator& communicator() const { return comm_; }

 private:
  struct Bucket;
  std::vector<Bucket>& buckets_for(const optim::Optimizer& opt);
  void broadcast_tensors(const std::vector<Tensor>& tensors, const std::string& what);
  void broadcast_buffers();

  Communicator& comm_;
  train::Learner& learner_;
  DataParallelOptions options_;
  int hook_ = -1;
  std::map<const optim::Optimizer*, std::vector<Bucket>> buckets_;
  std::vector<StepTime> times_;
  double last_hook_end_ = -1;  // seconds on the steady clock; < 0: no step yet
};

/// The first n - n % world examples of `dataset`, so that every rank's shard has as many
/// examples and batches (a rank that stepped once more would wait for the others forever).
std::shared_ptr<const data::Dataset> even_shards(std::shared_ptr<const data::Dataset> dataset, int world);

}  // namespace soma::distributed
