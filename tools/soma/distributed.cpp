// Parallel::join: MPI when soma was built with soma_distributed (SOMA_WITH_DISTRIBUTED).
#include "distributed.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <soma/core/error.h>

#if SOMA_WITH_DISTRIBUTED
#include <soma/distributed/communicator.h>
#include <soma/distributed/data_parallel.h>
#endif

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

// The job's size from the launcher's environment, without MPI (0: not launched by one).
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

#if SOMA_WITH_DISTRIBUTED

class MpiParallel : public Parallel {
 public:
  explicit MpiParallel(const TrainArgs& args)
      : comm_(), options_{.bucket_mb = args.bucket_mb, .fixed_order = args.fixed_order} {
    if (!lead()) {
      scratch_ = fs::temp_directory_path() / ("soma-rank" + std::to_string(rank()) + "-" + std::to_string(getpid()));
      fs::create_directories(scratch_);
      // One report on the terminal: rank 0's. Errors still reach stderr.
      if (!std::freopen("/dev/null", "w", stdout)) std::perror("soma: silencing a rank's output");
    }
  }
  ~MpiParallel() override {
    std::error_code ignored;
    if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
  }

  int rank() const override { return comm_.rank(); }
  int size() const override { return comm_.size(); }

  TrainArgs local_args(const TrainArgs& args) const override {
    if (lead()) return args;
    TrainArgs local = args;
    local.runs_dir = (scratch_ / "runs").string();
    local.name = "rank" + std::to_string(rank());
    if (!args.resume.empty()) {
      // The run's config and checkpoint, copied: rank 0 writes the folder meanwhile.
      const fs::path from(args.resume), to = scratch_ / "resume";
      fs::create_directories(to);
      for (const char* file : {"config.json", "checkpoint.safetensors", "run.json"})
        if (fs::exists(from / file)) fs::copy_file(from / file, to / file, fs::copy_options::overwrite_existing);
      local.resume = to.string();
      local.name.clear();
    }
    return local;
  }

  std::shared_ptr<const data::Dataset> setup(train::Learner& learner, train::FitOptions& fit,
                                             std::shared_ptr<const data::Dataset> data) override {
    ddp_ = std::make_unique<distributed::DataParallel>(comm_, learner, options_);
    ddp_->configure(fit);
    return distributed::even_shards(std::move(data), size());
  }

  void end() override {
    if (ddp_) times_ = ddp_->step_times();
    ddp_.reset();
  }

  bool any(bool flag) override { return comm_.any(flag, "agreeing on a stop"); }

  config::Json report(std::int64_t batch_size) const override {
    const auto& times = ddp_ ? ddp_->step_times() : times_;
    std::vector<double> compute, communication;
    for (const auto& t : times) compute.push_back(t.compute), communication.push_back(t.communication);
    if (compute.size() > 1) compute.erase(compute.begin()), communication.erase(communication.begin());  // no start
    return {{"ranks", size()},
            {"batch_per_rank", batch_size},
            {"global_batch", batch_size * size()},
            {"bucket_mb", options_.bucket_mb},
            {"reduction", options_.fixed_order ? "fixed order (allgather, sum in rank order)" : "MPI allreduce"},
            {"steps", times.size()},
            {"rank0_median_compute_ms", 1e3 * median(compute)},
            {"rank0_median_communication_ms", 1e3 * median(communication)}};
  }

  void fail(const std::exception& error) override {
    if (size() == 1) return;
    std::fprintf(stderr, "soma: error on rank %d of %d: %s\nsoma: stopping every rank\n", rank(), size(), error.what());
    std::fflush(stderr);
    std::error_code ignored;
    if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
    comm_.abort(1);
  }

 private:
  static double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
  }

  distributed::Communicator comm_;
  distributed::DataParallelOptions options_;
  std::unique_ptr<distributed::DataParallel> ddp_;
  std::vector<distributed::StepTime> times_;  // after end()
  fs::path scratch_;
};

#endif

}  // namespace

std::unique_ptr<Parallel> Parallel::join(const TrainArgs& args) {
#if SOMA_WITH_DISTRIBUTED
  if (distributed::launched_by_mpi()) return std::make_unique<MpiParallel>(args);
#endif
  SOMA_CHECK(launcher_size() <= 1, "soma was started as one of ", launcher_size(),
             " MPI ranks but was built without MPI (install libopenmpi-dev and build again; docs/distributed.md)");
  SOMA_CHECK(args.bucket_mb == 25 && !args.fixed_order,
             "--bucket-mb and --fixed-order apply to data-parallel runs (mpirun -np N soma train)");
  return std::make_unique<Parallel>();
}

}  // namespace soma::cli
