// soma-bench-dlib: workloads B1, B2, B3, B6 and B9 of shared/BENCHMARKS.md in dlib 19.24 (Debian
// libdlib-dev), for bench/run.sh's comparison; the same models, data, batch sizes, optimizers
// and timing rule (one warm-up, median of 5) as soma-bench and bench/torch_ref.py, and the same
// command line and JSON line (bench/cli.h):
//   soma-bench-dlib B2 --threads 1  ->  {"workload":"B2","metric":"samples_per_s","value":...,"threads":1,...}
// A training step is dlib's manual loop, compute_parameter_gradients (forward, loss, backward)
// then update_parameters, not dnn_trainer, which runs the loop on a thread of its own and adds
// bookkeeping. Where dlib cannot express a workload exactly, the line says so in "note".
// Threads: dlib's CPU layers (Debian's libdlib.so) run on the calling thread; its matrix
// products go to the BLAS it links (OpenBLAS), held to --threads with openblas_set_num_threads.
// "blas_threads", "blas_core", "malloc" and "cpu_per_wall" (process CPU time / wall time while
// timing) show what ran; bench/peer_env.sh sets the libraries' configuration. Built only when CMake finds dlib (bench/CMakeLists.txt); soma is not linked.
#include <dlib/dnn.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../bench.h"
#include "../cli.h"

namespace soma::bench {
namespace {

constexpr unsigned kSeed = 0;

// --- OpenBLAS, found at run time (dlib links the generic libblas.so.3) --------------------

template <class F>
F* openblas_function(const char* name) {
  return reinterpret_cast<F*>(dlsym(RTLD_DEFAULT, name));
}

int blas_threads() {
  auto* get = openblas_function<int()>("openblas_get_num_threads");
  return get ? get() : -1;
}

void set_blas_threads(int n) {
  auto* set = openblas_function<void(int)>("openblas_set_num_threads");
  if (!set) throw std::runtime_error("the BLAS dlib links is not OpenBLAS: cannot hold it to --threads");
  set(n);
}

std::string blas_core() {
  auto* core = openblas_function<char*()>("openblas_get_corename");
  return core ? core() : "not OpenBLAS";
}

// The allocator under the process: a preloaded jemalloc or tcmalloc (bench/peer_env.sh), or glibc's.
std::string malloc_name() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  std::string name = "glibc";
  if (!f) return name;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    if (std::strstr(line, "libjemalloc")) name = "jemalloc";
    else if (std::strstr(line, "libtcmalloc")) name = "tcmalloc";
  }
  std::fclose(f);
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (name == "glibc" && tunables && std::strstr(tunables, "malloc")) name = "glibc+tunables";
  return name;
}

// --- Timing: the rule of bench.h, plus how many cores the process kept busy ----------------

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Runs median_of_repetitions and adds the fields every dlib result carries.
template <class F>
Result timed(const char* metric, F&& repetition) {
  const double cpu0 = cpu_seconds(), wall0 = now_s();
  Result r{.metric = metric, .value = median_of_repetitions(repetition)};
  r.extra = {{"blas_threads", blas_threads()}, {"cpu_per_wall", (cpu_seconds() - cpu0) / (now_s() - wall0)}};
  r.text = {{"blas_core", blas_core()}, {"malloc", malloc_name()}};
  return r;
}

void add_note(Result& r, const char* note) { r.text.emplace_back("note", note); }

// --- Data ----------------------------------------------------------------------------------

struct Images {
  std::vector<float> pixels;  // [n, 28, 28] in [0, 1]
  std::vector<unsigned long> labels;
  long n = 0;
};

std::vector<unsigned char> gunzip(const std::string& path, std::size_t header) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path + " (install dataset-fashion-mnist)");
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
  gzclose(f);
  if (out.size() < header) throw std::runtime_error(path + ": truncated");
  out.erase(out.begin(), out.begin() + long(header));
  return out;
}

// Fashion-MNIST train as soma-bench and torch_ref.py load it (the same gzipped IDX files).
const Images& fashion_mnist_train() {
  static const Images images = [] {
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    const auto raw = gunzip(dir + "train-images-idx3-ubyte.gz", 16);
    const auto labels = gunzip(dir + "train-labels-idx1-ubyte.gz", 8);
    Images im;
    im.n = long(labels.size());
    im.pixels.resize(raw.size());
    std::transform(raw.begin(), raw.end(), im.pixels.begin(), [](unsigned char p) { return float(p) / 255.0f; });
    im.labels.assign(labels.begin(), labels.end());
    return im;
  }();
  return images;
}

// --- Networks ------------------------------------------------------------------------------

using namespace dlib;

// B1: Dense 2-5-1, sigmoid both layers, MSE.
using XorNet = loss_mean_squared<sig<fc<1, sig<fc<5, input<matrix<float, 0, 1>>>>>>>;
// B2 and B9: Dense 784-256-128-10, ReLU, softmax cross-entropy.
using MlpNet = loss_multiclass_log<fc<10, relu<fc<128, relu<fc<256, input<matrix<float>>>>>>>>;
// B3: Conv(1->32,3x3,pad 1)-ReLU-MaxPool(2); Conv(32->64,3x3,pad 1)-BN-ReLU-MaxPool(2); Flatten;
// Dense(3136->128)-ReLU-Dropout(0.3); Dense(128->10). con<> pads by nr/2 at stride 1, max_pool<>
// by 0 at stride 2; fc flattens.
using CnnNet = loss_multiclass_log<
    fc<10, dropout<relu<fc<128, max_pool<2, 2, 2, 2, relu<bn_con<con<64, 3, 3, 1, 1,
    max_pool<2, 2, 2, 2, relu<con<32, 3, 3, 1, 1, input<matrix<float>>>>>>>>>>>>>>;
// B6: Dense 4-128-128-2, ReLU, MSE.
using DqnNet = loss_mean_squared_multioutput<fc<2, relu<fc<128, relu<fc<128, input<matrix<float, 0, 1>>>>>>>>;

// Each repetition builds a fresh net: dlib draws its initial weights and dropout masks from
// std::rand() seeds, so seeding it makes every repetition do the same work.
template <class Net>
Net fresh_net() {
  std::srand(kSeed);
  return Net();
}

// Trains `net` with Adam 1e-3 on `batches` shuffled batches of `batch` images [N, 1, 28, 28]; each batch is
// gathered into one tensor by copying its rows, as index_select does for soma and PyTorch.
template <class Net>
double classifier_samples_per_s(Net& net, long batch, int batches, std::mt19937& order_gen, double& final_loss) {
  const Images& data = fashion_mnist_train();
  std::vector<long> order(std::size_t(data.n));
  std::iota(order.begin(), order.end(), 0L);
  std::shuffle(order.begin(), order.end(), order_gen);
  std::vector<adam> solvers(Net::num_computational_layers, adam(0.0f, 0.9f, 0.999f));
  resizable_tensor images;
  std::vector<unsigned long> labels(static_cast<std::size_t>(batch));
  const long image = 28 * 28;
  // dlib's input layer learns the sample layout from a first to_tensor call, which the loop
  // below does itself (a memcpy per image into the tensor dlib's to_tensor would build).
  const matrix<float> first = reshape(mat(data.pixels.data(), 1, image), 28, 28);
  net.to_tensor(&first, &first + 1, images);
  const double start = now_s();
  for (int b = 0; b < batches; ++b) {
    images.set_size(batch, 1, 28, 28);
    float* dst = images.host_write_only();
    for (long i = 0; i < batch; ++i) {
      const long index = order[std::size_t(b * batch + i)];
      std::memcpy(dst + i * image, data.pixels.data() + index * image, sizeof(float) * std::size_t(image));
      labels[std::size_t(i)] = data.labels[std::size_t(index)];
    }
    final_loss = net.compute_parameter_gradients(images, labels.begin());
    net.update_parameters(solvers, 1e-3);
  }
  return double(batches * batch) / (now_s() - start);
}

// --- Workloads -----------------------------------------------------------------------------

Result run_xor(const Options&) {
  constexpr int kIterations = 10000;
  constexpr double kTargetLoss = 0.01;
  const std::vector<matrix<float, 0, 1>> inputs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const std::vector<float> targets = {0, 1, 1, 0};
  double final_loss = 0;
  auto train = [&] {
    XorNet net = fresh_net<XorNet>();
    resizable_tensor x;
    net.to_tensor(inputs.begin(), inputs.end(), x);
    // dlib's loss_mean_squared reports the MSE but back-propagates (out - y) / N, half of its
    // gradient: learning rate 1.0 here is the update of SGD lr 0.5 on the MSE.
    std::vector<sgd> solvers(XorNet::num_computational_layers, sgd(0.0f, 0.0f));
    const double start = now_s();
    for (int i = 0; i < kIterations; ++i) {
      final_loss = net.compute_parameter_gradients(x, targets.begin());
      net.update_parameters(solvers, 1.0);
    }
    return kIterations / (now_s() - start);
  };
  Result r = timed("iterations_per_s", train);
  r.extra.emplace_back("final_loss", final_loss);
  add_note(r, "dlib's loss_mean_squared back-propagates half the MSE gradient, so SGD runs at lr 1.0 "
              "(momentum 0, weight decay 0): the same update as lr 0.5 on the MSE");
  if (!(final_loss < kTargetLoss))
    r.error = "did not converge: loss " + std::to_string(final_loss) + " after 10000 iterations (needs < 0.01)";
  return r;
}

Result run_mlp(const Options&) {
  constexpr long kBatch = 64;
  constexpr int kBatches = 300;  // as soma-bench: a third of an epoch, to keep the run short
  fashion_mnist_train();         // loaded before the clock, as the other sides do
  std::mt19937 order_gen(kSeed);
  double final_loss = 0;
  auto train = [&] {
    MlpNet net = fresh_net<MlpNet>();
    return classifier_samples_per_s(net, kBatch, kBatches, order_gen, final_loss);
  };
  Result r = timed("samples_per_s", train);
  r.extra.insert(r.extra.begin(), {{"batches", kBatches}, {"final_loss", final_loss}});
  return r;
}

Result run_cnn(const Options&) {
  constexpr long kBatch = 64;
  constexpr int kBatches = 300;
  fashion_mnist_train();
  std::mt19937 order_gen(kSeed);
  double final_loss = 0;
  auto train = [&] {
    CnnNet net = fresh_net<CnnNet>();
    auto& drop = layer<2>(net).layer_details();
    static_assert(std::is_same_v<std::decay_t<decltype(drop)>, dropout_>, "layer<2> of CnnNet is the dropout");
    drop = dropout_(0.3f);
    return classifier_samples_per_s(net, kBatch, kBatches, order_gen, final_loss);
  };
  Result r = timed("samples_per_s", train);
  r.extra.insert(r.extra.begin(), {{"batches", kBatches}, {"final_loss", final_loss}});
  r.extra.emplace_back("peak_rss_mb", peak_rss_mb());
  add_note(r, "dlib's dropout zeroes 30% but does not scale the kept activations by 1/0.7 (the same work, "
              "a different scale)");
  return r;
}

Result run_dqn_state(const Options&) {
  constexpr long kBatch = 32;
  constexpr long kPool = 256;  // distinct batches, cycled through
  constexpr int kSteps = 2000;
  std::mt19937 data_gen(kSeed + 1);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::vector<matrix<float, 0, 1>> states(kPool * kBatch);
  std::vector<matrix<float>> targets(kPool * kBatch);
  for (auto& s : states) s = {unit(data_gen), unit(data_gen), unit(data_gen), unit(data_gen)};
  for (auto& t : targets) t = matrix<float, 2, 1>{unit(data_gen), unit(data_gen)};
  double final_loss = 0;
  auto train = [&] {
    DqnNet net = fresh_net<DqnNet>();
    // The batches as tensors made once, as soma and PyTorch slice views of one tensor.
    std::vector<resizable_tensor> batches(kPool);
    for (long p = 0; p < kPool; ++p)
      net.to_tensor(states.begin() + p * kBatch, states.begin() + (p + 1) * kBatch, batches[std::size_t(p)]);
    std::vector<adam> solvers(DqnNet::num_computational_layers, adam(0.0f, 0.9f, 0.999f));
    const double start = now_s();
    for (int i = 0; i < kSteps; ++i) {
      const long p = i % kPool;
      // loss_mean_squared_multioutput sums the squares over the 2 outputs: twice the MSE, whose
      // gradient it back-propagates exactly.
      final_loss = net.compute_parameter_gradients(batches[std::size_t(p)], targets.begin() + p * kBatch) / 2;
      net.update_parameters(solvers, 1e-3);
    }
    return kSteps / (now_s() - start);
  };
  Result r = timed("steps_per_s", train);
  r.extra.insert(r.extra.begin(), std::pair<std::string, double>("final_loss", final_loss));
  return r;
}

Result run_infer1(const Options&) {
  MlpNet net = fresh_net<MlpNet>();
  std::mt19937 gen(kSeed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  matrix<float> image(28, 28);
  for (auto& p : image) p = unit(gen);
  resizable_tensor x;
  net.to_tensor(&image, &image + 1, x);
  // The logits (the subnetwork's output): what soma's net(x) and PyTorch's net(x) return.
  auto forward = [&] { net.forward(x); };
  forward();  // sets the layers up (allocates and initializes the weights)
  const long calls = calls_lasting(forward, 0.2);
  return timed("latency_us", [&] { return seconds_per_call(forward, calls) * 1e6; });
}

constexpr Workload kWorkloads[] = {
    {"B1", "xor", "XOR, Dense 2-5-1 sigmoid, MSE, SGD (lr 0.5 on the MSE), batch 4: iterations_per_s over 10,000",
     run_xor},
    {"B2", "mlp", "Fashion-MNIST, Dense 784-256-128-10 ReLU, cross-entropy, batch 64, Adam 1e-3: samples_per_s",
     run_mlp},
    {"B3", "cnn", "Fashion-MNIST, Conv 32-64 3x3 + BatchNorm + MaxPool, Dense 3136-128-10, Adam 1e-3: samples_per_s",
     run_cnn},
    {"B6", "dqn-state", "synthetic states, Dense 4-128-128-2 ReLU, MSE, batch 32, Adam 1e-3: steps_per_s", run_dqn_state},
    {"B9", "infer1", "B2's MLP, forward only, batch 1: latency_us", run_infer1},
};

}  // namespace
}  // namespace soma::bench

int main(int argc, char** argv) {
  using namespace soma::bench;
  const Program program{
      .name = "soma-bench-dlib",
      .summary = "soma-bench-dlib: a workload of shared/BENCHMARKS.md in dlib, printed as one JSON line.\n"
                 "Threads: dlib's layers run on the calling thread, its matrix products in OpenBLAS, held to N.",
      .workloads = kWorkloads,
      .default_threads = [] { return blas_threads(); },
      .set_threads = set_blas_threads};
  return run_cli(program, argc, argv);
}
