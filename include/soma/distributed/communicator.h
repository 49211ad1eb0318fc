// Communicator: this process's place in an MPI job (mpirun, or Slurm's srun) and the few
// collectives data-parallel training needs. Every collective is started nonblocking and waited
// for with a deadline, so a rank that died or hangs makes the others throw a soma::Error
// naming the operation instead of waiting forever. MPI stays out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::distributed {

struct CommunicatorOptions {
  /// Seconds any one collective may wait for the other ranks before it throws (default 300:
  /// more than a checkpoint write or a validation pass on rank 0). The environment variable
  /// SOMA_MPI_TIMEOUT overrides it.
  double timeout_seconds = 300;
};

/// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx),
/// from its environment; MPI itself is not touched.
bool launched_by_mpi();

/// MPI_COMM_WORLD. The first Communicator of a process initializes MPI and the last one
/// finalizes it; one that saw a collective fail never finalizes (the others cannot answer):
/// call abort().
///   distributed::Communicator comm;
///   comm.broadcast(weights, 0);
class Communicator {
 public:
  explicit Communicator(CommunicatorOptions options = {});
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout_seconds() const { return options_.timeout_seconds; }

  /// A collective in flight; finish it with wait(). Handles are valid until wait() returns.
  using Handle = std::size_t;
  /// Starts summing `data` in place over all ranks (MPI's own reduction order).
  Handle start_allreduce_sum(void* data, std::int64_t count, DType dtype);
  /// Starts gathering every rank's `count` elements into `out` (size() * count, rank order).
  Handle start_allgather(const void* data, void* out, std::int64_t count, DType dtype);
  /// Waits for every collective started and not yet waited for, at most timeout_seconds in
  /// all. Throws soma::Error naming `what` on an MPI error or the timeout.
  void wait_all(const std::string& what);

  /// Blocking forms (start, then wait_all).
  void allreduce_sum(std::span<double> values, const std::string& what);
  void broadcast(void* data, std::int64_t bytes, int root, const std::string& what);
  /// Broadcasts a tensor's elements from `root` (same shape and dtype on every rank).
  void broadcast(const Tensor& t, int root, const std::string& what);
  /// Whether `flag` is true on any rank.
  bool any(bool flag, const std::string& what);
  /// Throws soma::Error naming `what` unless `value` is the same on every rank.
  void check_same(std::int64_t value, const std::string& what);

  /// Ends the whole job (MPI_Abort): every rank exits with `code`.
  [[noreturn]] void abort(int code);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  CommunicatorOptions options_;
  int rank_ = 0, size_ = 1;
};

}  // namespace soma::distributed
