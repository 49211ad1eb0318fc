// DataParallel: bucketed gradient averaging, state broadcast and log averaging over MPI.
#include "soma/distributed/data_parallel.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <numeric>

#include "soma/core/error.h"
#include "soma/data/split.h"

namespace soma::distributed {

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::int64_t bytes_of(const Tensor& t) { return t.numel() * std::int64_t(size_of(t.dtype())); }

// A hash of names in order, so ranks can check that they hold the same keys.
std::int64_t names_hash(const std::vector<std::string>& names) {
  std::size_t h = names.size();
  for (const auto& n : names) h = h * 1000003u ^ std::hash<std::string>{}(n);
  return std::int64_t(h & 0x7fffffffffffffffu);
}

// The callback of configure(): state broadcast before the first step, log averaging.
class Synchronize : public train::Callback {
 public:
  explicit Synchronize(DataParallel& ddp) : ddp_(ddp) {}
  std::string name() const override { return "DataParallel"; }
  void on_train_begin(train::Context&) override { synced_ = false; }
  void on_epoch_begin(train::Context& context, std::int64_t epoch) override {
    // After a resume has loaded the state (the loop loads it after on_train_begin).
    if (!synced_) ddp_.broadcast_state(), synced_ = true;
    ddp_.communicator().check_same(context.batches_per_epoch(),
                                   "comparing the ranks' batches per epoch");
  }
  // The training values are every rank's already (reduce_step); validation ran on each rank.
  void on_epoch_end(train::Context&, std::int64_t, train::Logs& logs) override {
    train::Logs validation;
    for (const auto& [key, value] : logs)
      if (key.rfind("val_", 0) == 0) validation[key] = value;
    ddp_.average_logs(validation);
    for (const auto& [key, value] : validation) logs[key] = value;
  }

 private:
  DataParallel& ddp_;
  bool synced_ = false;
};

}  // namespace

// A group of consecutive parameters (in reverse order) of one dtype, reduced as one message.
struct DataParallel::Bucket {
  DType dtype = DType::f32;
  std::vector<std::size_t> params;      // indices into opt.params()
  std::vector<std::int64_t> offsets;    // element offset of each in the buffer
  std::int64_t count = 0;               // elements
  std::vector<double> buffer;           // storage for count elements of dtype (8-byte aligned)
  std::vector<double> gathered;         // fixed_order: every rank's buffer, rank after rank
  void* data() { return buffer.data(); }
};

DataParallel::DataParallel(Communicator& comm, train::Learner& learner, DataParallelOptions options)
    : comm_(comm), learner_(learner), options_(options) {
  SOMA_CHECK(options_.bucket_mb > 0, "DataParallel: bucket_mb must be > 0, got ", options_.bucket_mb);
  hook_ = learner_.add_gradient_hook([this](optim::Optimizer& opt) { average_gradients(opt); });
}

DataParallel::~DataParallel() { learner_.remove_gradient_hook(hook_); }

std::vector<DataParallel::Bucket>& DataParallel::buckets_for(const optim::Optimizer& opt) {
  auto found = buckets_.find(&opt);
  if (found != buckets_.end()) return found->second;
  const auto& params = opt.params();
  const auto cap = std::int64_t(options_.bucket_mb * 1024 * 1024);
  std::vector<Bucket> buckets;
  for (std::size_t k = params.size(); k-- > 0;) {
    const Tensor& p = params[k];
    const std::int64_t bytes = bytes_of(p);
    if (buckets.empty() || buckets.back().dtype != p.dtype() ||
        (buckets.back().count > 0 && std::int64_t(size_of(p.dtype())) * buckets.back().count + bytes > cap))
      buckets.emplace_back().dtype = p.dtype();
    Bucket& b = buckets.back();
    b.params.push_back(k);
    b.offsets.push_back(b.count);
    b.count += p.numel();
  }
  // Every rank must cut the same buckets, or the allreduces would pair different messages.
  comm_.check_same(std::int64_t(buckets.size()), "gradient buckets (are the models alike on every rank?)");
  for (Bucket& b : buckets) {
    comm_.check_same(b.count, "gradient bucket size");
    b.buffer.resize(std::size_t((b.count * std::int64_t(size_of(b.dtype)) + 7) / 8));
    if (options_.fixed_order) b.gathered.resize(b.buffer.size() * std::size_t(comm_.size()));
  }
  return buckets_.emplace(&opt, std::move(buckets)).first->second;
}

namespace {

template <class T>
void pack(const std::vector<Tensor>& params, const std::vector<std::size_t>& which,
          const std::vector<std::int64_t>& offsets, T* out) {
  for (std::size_t i = 0; i < which.size(); ++i) {
    const Tensor& p = params[which[i]];
    const Tensor g = p.grad();
    T* dst = out + offsets[i];
    if (g.defined())
      std::memcpy(dst, g.data<T>(), std::size_t(p.numel()) * sizeof(T));
    else
      std::fill(dst, dst + p.numel(), T(0));
  }
}

// The bucket's reduced sums (in `sum`) divided by the number of ranks, into the gradients.
template <class T>
void unpack(const std::vector<Tensor>& params, const std::vector<std::size_t>& which,
            const std::vector<std::int64_t>& offsets, const T* sum, T scale) {
  for (std::size_t i = 0; i < which.size(); ++i) {
    const Tensor g = params[which[i]].grad();
    if (!g.defined()) continue;
    T* dst = g.data<T>();
    const T* src = sum + offsets[i];
    for (std::int64_t j = 0, n = g.numel(); j < n; ++j) dst[j] = src[j] * scale;
  }
}

// fixed_order: rank 0's values plus rank 1's plus ..., left to right, into `sum`.
template <class T>
void sum_in_rank_order(const T* gathered, std::int64_t count, int ranks, T* sum) {
  std::memcpy(sum, gathered, std::size_t(count) * sizeof(T));
  for (int r = 1; r < ranks; ++r) {
    const T* part = gathered + std::int64_t(r) * count;
    for (std::int64_t j = 0; j < count; ++j) sum[j] += part[j];
  }
}

template <class F>
void with_type(DType dtype, F&& f) {
  if (dtype == DType::f32)
    f(float{});
  else if (dtype == DType::f64)
    f(double{});
  else
    detail::throw_error("DataParallel: gradients of dtype ", name_of(dtype), "; expected float32 or float64");
}

}  // namespace

void DataParallel::average_gradients(optim::Optimizer& opt) {
  const double start = now();
  const auto& params = opt.params();
  auto& buckets = buckets_for(opt);
  // Reverse parameter order: the last layers' gradients, ready first in backward, go first.
  for (Bucket& b : buckets) {
    with_type(b.dtype, [&]<class T>(T) {
      pack<T>(params, b.params, b.offsets, static_cast<T*>(b.data()));
      if (options_.fixed_order)
        comm_.start_allgather(b.data(), b.gathered.data(), b.count, b.dtype);
      else
        comm_.start_allreduce_sum(b.data(), b.count, b.dtype);
    });
  }
  comm_.wait_all(options_.fixed_order ? "gradient allgather" : "gradient allreduce");
  for (Bucket& b : buckets) {
    with_type(b.dtype, [&]<class T>(T) {
      T* sum = static_cast<T*>(b.data());
      if (options_.fixed_order)
        sum_in_rank_order(reinterpret_cast<const T*>(b.gathered.data()), b.count, comm_.size(), sum);
      unpack<T>(params, b.params, b.offsets, sum, T(1) / T(comm_.size()));
    });
  }
  if (options_.broadcast_buffers) broadcast_buffers();
  const double end = now();
  times_.push_back({last_hook_end_ < 0 ? 0 : start - last_hook_end_, end - start});
  last_hook_end_ = end;
}

void DataParallel::broadcast_tensors(const std::vector<Tensor>& tensors, const std::string& what) {
  std::int64_t total = 0;
  for (const Tensor& t : tensors) total += bytes_of(t);
  comm_.check_same(std::int64_t(tensors.size()), what + ": tensor count");
  comm_.check_same(total, what + ": bytes");
  if (total == 0) return;
  std::vector<char> bytes(std::size_t(total), 0);
  std::int64_t at = 0;
  for (const Tensor& t : tensors) {
    std::memcpy(bytes.data() + at, t.raw_data(), std::size_t(bytes_of(t)));
    at += bytes_of(t);
  }
  comm_.broadcast(bytes.data(), total, 0, what);
  at = 0;
  for (const Tensor& t : tensors) {
    std::memcpy(t.raw_data(), bytes.data() + at, std::size_t(bytes_of(t)));
    at += bytes_of(t);
  }
}

void DataParallel::broadcast_buffers() {
  std::vector<Tensor> buffers;
  for (auto& [name, t] : learner_.model().named_buffers()) buffers.push_back(t);
  if (!buffers.empty()) broadcast_tensors(buffers, "broadcast of the buffers");
}

void DataParallel::broadcast_state() {
  nn::Module& model = learner_.model();
  std::vector<Tensor> tensors;
  std::vector<std::string> names;
  for (auto& [name, t] : model.named_parameters()) tensors.push_back(t), names.push_back(name);
  for (auto& [name, t] : model.named_buffers()) tensors.push_back(t), names.push_back(name);
  comm_.check_same(names_hash(names), "the model's tensor names");
  broadcast_tensors(tensors, "broadcast of the model");
  for (optim::Optimizer* opt : learner_.optimizers()) {
    std::map<std::string, Tensor> state = opt->state_dict();
    std::vector<std::string> keys;
    std::vector<Tensor> values;
    for (auto& [key, t] : state) keys.push_back(key), values.push_back(t);
    comm_.check_same(names_hash(keys), opt->name() + " state's names");
    broadcast_tensors(values, "broadcast of the " + opt->name() + " state");
    if (comm_.rank() != 0) opt->load_state_dict(state);
  }
}

void DataParallel::average_logs(train::Logs& logs) {
  std::vector<std::string> keys;
  std::vector<double> values;
  for (auto& [key, value] : logs) keys.push_back(key), values.push_back(value);
  comm_.check_same(names_hash(keys), "the epoch's log names");
  comm_.allreduce_sum(values, "averaging the epoch's logs");
  for (std::size_t i = 0; i < keys.size(); ++i) logs[keys[i]] = values[i] / comm_.size();
}

void DataParallel::reduce_step(train::StepResult& result) {
  std::vector<std::string> keys;
  std::vector<double> sums;
  for (const auto& [key, value] : result.values) keys.push_back(key), sums.push_back(value * double(result.examples));
  // The names' hash below 2^40, so that N of them add exactly: their sum is N times ours iff
  // (almost surely) every rank has the same names.
  const double hash = double(names_hash(keys) & ((std::int64_t(1) << 40) - 1));
  sums.insert(sums.end(), {double(result.examples), double(result.correct), double(result.counted), hash});
  comm_.allreduce_sum(sums, "summing the step's results");
  const std::size_t k = keys.size();
  SOMA_CHECK(sums[k + 3] == hash * comm_.size(), "DataParallel: the ranks' steps give different values (rank ",
             comm_.rank(), " has ", keys.size(), " values)");
  result.examples = std::int64_t(sums[k]);
  result.correct = std::int64_t(sums[k + 1]);
  result.counted = std::int64_t(sums[k + 2]);
  for (std::size_t i = 0; i < k; ++i) result.values[keys[i]] = sums[i] / sums[k];
}

void DataParallel::configure(train::FitOptions& fit) {
  fit.rank = comm_.rank();
  fit.world_size = comm_.size();
  fit.reduce_step = [this](train::StepResult& result) { reduce_step(result); };
  fit.callbacks.insert(fit.callbacks.begin(), train::CallbackHandle(std::make_shared<Synchronize>(*this)));
}

std::shared_ptr<const data::Dataset> even_shards(std::shared_ptr<const data::Dataset> dataset, int world) {
  SOMA_CHECK(dataset, "even_shards: the dataset is null");
  SOMA_CHECK(world >= 1, "even_shards: world must be >= 1, got ", world);
  const std::int64_t n = dataset->size(), kept = n - n % world;
  SOMA_CHECK(kept > 0, "even_shards: ", n, " examples cannot give each of ", world, " ranks one");
  if (kept == n) return dataset;
  std::vector<std::int64_t> indices(static_cast<std::size_t>(kept));
  std::iota(indices.begin(), indices.end(), std::int64_t(0));
  return std::make_shared<data::Subset>(std::move(dataset), std::move(indices));
}

}  // namespace soma::distributed
