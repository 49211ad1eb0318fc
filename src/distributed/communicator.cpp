// Communicator over MPI_COMM_WORLD: nonblocking collectives waited for with a deadline.
#include "soma/distributed/communicator.h"

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>

#include "soma/core/error.h"

namespace soma::distributed {

namespace {

int users = 0;             // live Communicators of this process
bool we_initialized = false;  // MPI was initialized by a Communicator (so it finalizes it)
bool failed = false;          // a collective failed: finalizing would wait for dead ranks

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
  }
  return MPI_DATATYPE_NULL;
}

int checked_count(std::int64_t count, const char* what) {
  SOMA_CHECK(count >= 0 && count <= INT_MAX, "distributed: ", what, ": ", count,
             " elements in one collective; expected at most ", INT_MAX);
  return int(count);
}

std::string error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

struct Communicator::Impl {
  std::vector<MPI_Request> pending;
  void check(int code, const std::string& what) {
    if (code == MPI_SUCCESS) return;
    failed = true;
    detail::throw_error("distributed: ", what, " failed: ", error_text(code));
  }
};

Communicator::Communicator(CommunicatorOptions options) : impl_(std::make_unique<Impl>()), options_(options) {
  if (const char* env = std::getenv("SOMA_MPI_TIMEOUT")) {
    char* end = nullptr;
    const double seconds = std::strtod(env, &end);
    SOMA_CHECK(end != env && *end == '\0' && seconds > 0, "SOMA_MPI_TIMEOUT: expected a number of seconds > 0, got '",
               env, "'");
    options_.timeout_seconds = seconds;
  }
  SOMA_CHECK(options_.timeout_seconds > 0, "Communicator: timeout_seconds must be > 0, got ", options_.timeout_seconds);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    // Only the main thread calls MPI; OpenMP's threads compute.
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    we_initialized = true;
  }
  ++users;
  // Errors come back as codes (turned into soma::Error) instead of ending the process.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Communicator::~Communicator() {
  if (--users > 0 || !we_initialized) return;
  if (failed) return;  // the others may be gone: the launcher ends this job
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Communicator::Handle Communicator::start_allreduce_sum(void* data, std::int64_t count, DType dtype) {
  MPI_Request request;
  impl_->check(MPI_Iallreduce(MPI_IN_PLACE, data, checked_count(count, "allreduce"), mpi_type(dtype), MPI_SUM,
                              MPI_COMM_WORLD, &request),
               "starting an allreduce");
  impl_->pending.push_back(request);
  return impl_->pending.size() - 1;
}

Communicator::Handle Communicator::start_allgather(const void* data, void* out, std::int64_t count, DType dtype) {
  MPI_Request request;
  const int n = checked_count(count, "allgather");
  impl_->check(MPI_Iallgather(data, n, mpi_type(dtype), out, n, mpi_type(dtype), MPI_COMM_WORLD, &request),
               "starting an allgather");
  impl_->pending.push_back(request);
  return impl_->pending.size() - 1;
}

void Communicator::wait_all(const std::string& what) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(options_.timeout_seconds);
  auto& pending = impl_->pending;
  int spins = 0;
  for (;;) {
    int done = 0;
    impl_->check(MPI_Testall(int(pending.size()), pending.data(), &done, MPI_STATUSES_IGNORE), what);
    if (done) break;
    if (clock::now() > deadline) {
      failed = true;
      detail::throw_error("distributed: rank ", rank_, " of ", size_, ": ", what, " timed out after ", options_.timeout_seconds,
                " s waiting for the other ranks (one may have died or hung; SOMA_MPI_TIMEOUT sets the limit)");
    }
    // Poll hard at first (a step's allreduce is short), then leave the cores to the others.
    if (++spins > 1000) std::this_thread::sleep_for(std::chrono::microseconds(spins > 20000 ? 1000 : 50));
  }
  pending.clear();
}

void Communicator::allreduce_sum(std::span<double> values, const std::string& what) {
  start_allreduce_sum(values.data(), std::int64_t(values.size()), DType::f64);
  wait_all(what);
}

void Communicator::broadcast(void* data, std::int64_t bytes, int root, const std::string& what) {
  MPI_Request request;
  impl_->check(MPI_Ibcast(data, checked_count(bytes, "broadcast"), MPI_BYTE, root, MPI_COMM_WORLD, &request), what);
  impl_->pending.push_back(request);
  wait_all(what);
}

void Communicator::broadcast(const Tensor& t, int root, const std::string& what) {
  broadcast(t.raw_data(), t.numel() * std::int64_t(size_of(t.dtype())), root, what);
}

bool Communicator::any(bool flag, const std::string& what) {
  double value = flag ? 1 : 0;
  allreduce_sum({&value, 1}, what);
  return value > 0;
}

void Communicator::check_same(std::int64_t value, const std::string& what) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(size_));
  start_allgather(&value, all.data(), 1, DType::i64);
  wait_all(what);
  for (int r = 0; r < size_; ++r)
    SOMA_CHECK(all[std::size_t(r)] == value, "distributed: ", what, ": rank ", rank_, " has ", value, " but rank ", r,
               " has ", all[std::size_t(r)]);
}

void Communicator::abort(int code) {
  failed = true;
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace soma::distributed
