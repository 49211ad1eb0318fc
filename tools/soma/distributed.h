// `mpirun -np N soma train CONFIG`: this process's part of a data-parallel run
// (docs/distributed.md). Rank 0 writes the run folder; the other ranks train in a scratch
// folder of their own, removed at the end, with their output silenced. Alone (no MPI launcher,
// or a soma built without MPI): rank 0 of 1, and every method does nothing.
#pragma once

#include <memory>
#include <string>

#include <soma/config/section.h>
#include <soma/data/dataset.h>
#include <soma/train/loop.h>

#include "commands.h"

namespace soma::cli {

class Parallel {
 public:
  /// Joins the MPI job when soma was started by mpirun or srun. Throws soma::Error when it was
  /// started as one of several ranks by a soma built without MPI.
  static std::unique_ptr<Parallel> join(const TrainArgs& args);
  virtual ~Parallel() = default;

  virtual int rank() const { return 0; }
  virtual int size() const { return 1; }
  bool lead() const { return rank() == 0; }
  /// The arguments this rank trains with: a rank other than 0 writes under its scratch folder
  /// and resumes from its own copy of the run's config and checkpoint.
  virtual TrainArgs local_args(const TrainArgs& args) const { return args; }
  /// Averages the gradients over the ranks from now on, sets fit's shard, and returns the
  /// training set cut so that every rank has as many examples.
  virtual std::shared_ptr<const data::Dataset> setup(train::Learner& learner, train::FitOptions& fit,
                                                     std::shared_ptr<const data::Dataset> data) {
    return data;
  }
  /// Stops averaging (before the learner goes: the hook lives in it). setup() again restarts.
  virtual void end() {}
  /// Whether any rank says yes: every rank must stop at the same step.
  virtual bool any(bool flag) { return flag; }
  /// What run.json records of the run's ranks and timing (null when alone).
  virtual config::Json report(std::int64_t batch_size) const { return nullptr; }
  /// After an error on this rank: prints it and ends every rank with status 1, so that none is
  /// left waiting. Alone: returns, and the caller reports the error as usual.
  virtual void fail(const std::exception& error) {}
};

}  // namespace soma::cli
