// A restricted Boltzmann machine on binarized Fashion-MNIST (benchmark B8's model): 784
// visible x 256 hidden units, CD-1, lr 0.01, batches of 64, 5 epochs. Prints the training and
// test reconstruction errors after every epoch and saves three PNG grids: the learned filters
// (columns of W), test images beside their reconstructions, and Gibbs chains started from
// test images. After every epoch it estimates log Z by annealed importance sampling
// (generative/rbm_likelihood.h) and prints the average test log-likelihood with its interval.
// Training runs through train::Loop, which writes a run folder (--run).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <soma/generative/rbm_likelihood.h>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

// Images [N, 1, 28, 28] in [0, 1] as binary rows [N, 784]: 1 where the pixel is above 0.5.
Tensor binarized(const Tensor& images, std::int64_t limit) {
  const std::int64_t n = limit > 0 ? std::min(limit, images.size(0)) : images.size(0);
  Tensor x = reshape(slice(images, 0, 0, n), {n, 784}).copy();
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = p[i] > 0.5f ? 1.0f : 0.0f;
  return x;
}

// Rows [N, 784] as images [N, 1, 28, 28] for the grids.
Tensor as_images(const Tensor& rows) { return reshape(rows, {rows.size(0), 1, 28, 28}); }

// The first `count` columns of W [784, hidden] as images, each scaled to [0, 1] on its own.
Tensor filters(const Tensor& weight, std::int64_t count) {
  const Tensor w = transpose(weight).copy();  // [hidden, 784]
  count = std::min(count, w.size(0));
  Tensor out = empty({count, 784});
  for (std::int64_t f = 0; f < count; ++f) {
    const float* src = w.data<float>() + f * 784;
    const auto [lo, hi] = std::minmax_element(src, src + 784);
    for (int i = 0; i < 784; ++i) out.data<float>()[f * 784 + i] = (src[i] - *lo) / std::max(*hi - *lo, 1e-12f);
  }
  return as_images(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a restricted Boltzmann machine (784 x 256, CD-1) on binarized Fashion-MNIST and saves\n"
               "its filters, reconstructions and Gibbs samples as PNG grids."};
  int epochs = 5, threads = 0, k = 1, gibbs_steps = 1000;
  std::int64_t ais_runs = 100, ais_steps = 1000, ais_final_steps = 14500;
  std::int64_t hidden = 256, batch_size = 64, limit = 0;
  double lr = 0.01, momentum = 0, weight_decay = 0;
  bool persistent = false;
  std::uint64_t seed = 0;
  std::string dir = data::kFashionMnistDir, out = ".", run;
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--hidden", hidden, "Hidden units")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100'000)));
  app.add_option("--batch-size", batch_size, "Examples per CD update")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--momentum", momentum, "Momentum of the updates, in [0, 1)")->capture_default_str()->check(CLI::Range(0.0, 0.999));
  app.add_option("--weight-decay", weight_decay, "L2 pull of W toward 0")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--k", k, "Gibbs steps of the negative phase (CD-k)")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_flag("--persistent", persistent, "Persistent contrastive divergence");
  app.add_option("--gibbs-steps", gibbs_steps, "Length of the sampled Gibbs chains")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--ais-runs", ais_runs, "Annealing runs of each log Z estimate (0: no likelihood)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(0), std::int64_t(100'000)));
  app.add_option("--ais-steps", ais_steps, "Intermediate distributions of the estimate after each epoch")
      ->capture_default_str()->check(CLI::Range(std::int64_t(3), std::int64_t(10'000'000)));
  app.add_option("--ais-final-steps", ais_final_steps, "... of the final estimate")
      ->capture_default_str()->check(CLI::Range(std::int64_t(3), std::int64_t(10'000'000)));
  app.add_option("--seed", seed, "Seed of the weight init, the order and the samples")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N images only (0: all 60000), for quick runs")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNG grids")->capture_default_str();
  app.add_option("--run", run, "Run folder for the training record (default: <out>/rbm_run)");
  CLI11_PARSE(app, argc, argv);
  if (run.empty()) run = out + "/rbm_run";
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const Tensor train = binarized(data::fashion_mnist("train", dir)->x(), limit);
    const Tensor test = binarized(data::fashion_mnist("test", dir)->x(), 0);

    Generator gen(seed);
    generative::Rbm rbm({.visible = 784, .hidden = hidden, .lr = lr, .momentum = momentum,
                         .weight_decay = weight_decay, .k = k, .persistent = persistent},
                        gen);
    std::printf("RBM 784 x %lld, %s-%d, lr %g, momentum %g, weight decay %g, batch %lld, %d epochs, %lld training "
                "images, %d threads, seed %llu\n",
                static_cast<long long>(hidden), persistent ? "PCD" : "CD", k, lr, momentum, weight_decay,
                static_cast<long long>(batch_size), epochs, static_cast<long long>(train.size(0)), num_threads(),
                static_cast<unsigned long long>(seed));
    double last_error = rbm.reconstruction_error(test);
    std::printf("reconstruction error (mean squared error per pixel) before training: test %.4f\n", last_error);

    // log Z by AIS from the base-rate RBM of the training pixels (Salakhutdinov & Murray 2008),
    // with its own generator so that the training's draws stay those of a run without it.
    const Tensor base = generative::base_rate_visible_bias(train);
    Generator ais_gen(seed + 1);
    auto likelihood = [&](std::int64_t steps) {
      const auto log_z = generative::ais_log_partition(rbm, {.runs = ais_runs, .steps = steps, .base_visible_bias = base}, ais_gen);
      return std::pair{log_z, generative::average_log_likelihood(rbm, test, log_z)};
    };

    // Trained by train::Loop (fit_rbm runs an RbmLearner): the run folder gets steps.csv,
    // metrics.csv (with the test error added below), the curves, the filters and report.md.
    std::filesystem::create_directories(run);
    auto folder = std::make_shared<train::RunFolderSink>(run);
    const auto start = std::chrono::steady_clock::now();
    const train::LambdaCallback test_error({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      last_error = logs["test_reconstruction_error"] = rbm.reconstruction_error(test);
      std::printf("epoch %lld/%d: train %.4f (sampled h), test %.4f (mean field), %.1f s\n",
                  static_cast<long long>(epoch + 1), epochs, logs.at("reconstruction_error"), last_error, seconds);
      if (ais_runs > 1) {
        const auto ais_start = std::chrono::steady_clock::now();
        const auto [log_z, ll] = likelihood(ais_steps);
        logs["test_log_likelihood"] = ll.mean;
        std::printf("  AIS (%lld runs, %lld steps): log Z %.2f [%.2f, %.2f], average test log-likelihood %.2f nats "
                    "[%.2f, %.2f], %.1f s\n",
                    static_cast<long long>(ais_runs), static_cast<long long>(ais_steps), log_z.log_z, log_z.log_z_low,
                    log_z.log_z_high, ll.mean, ll.low, ll.high,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - ais_start).count());
      }
      std::fflush(stdout);
    }});
    generative::fit_rbm(rbm, train,
                        {.epochs = epochs, .batch_size = batch_size, .callbacks = {test_error}, .sinks = {folder},
                         .image_shape = {1, 28, 28}},
                        gen);

    // Filters, reconstructions (rows of originals above their reconstructions), Gibbs chains.
    io::save_image_grid(out + "/rbm_filters.png", filters(rbm.weight(), 64), {.nrow = 8, .pad_value = 1});
    const Tensor originals = slice(test, 0, 0, 16);
    io::save_image_grid(out + "/rbm_reconstructions.png",
                        as_images(cat({slice(originals, 0, 0, 8), slice(rbm.reconstruct(originals), 0, 0, 8),
                                       slice(originals, 0, 8, 16), slice(rbm.reconstruct(originals), 0, 8, 16)})),
                        {.nrow = 8, .pad_value = 1});
    // Eight chains from eight test images; a row per snapshot (after 0, 1, 10, 100, ... steps).
    std::vector<Tensor> snapshots{slice(test, 0, 0, 8)};
    Tensor chain = snapshots.back();
    int done = 0;
    for (int target : {1, 10, 100, 1000, 10000, 100000, 1000000}) {
      if (target > gibbs_steps) break;
      chain = rbm.gibbs(chain, target - done, gen);
      done = target;
      snapshots.push_back(rbm.reconstruct(chain));  // p(v|h) shows the chain's state without the pixel noise
    }
    io::save_image_grid(out + "/rbm_gibbs_samples.png", as_images(cat(snapshots)), {.nrow = 8, .pad_value = 1});
    std::printf("wrote %s/rbm_filters.png, %s/rbm_reconstructions.png, %s/rbm_gibbs_samples.png\n", out.c_str(),
                out.c_str(), out.c_str());
    folder->set_summary({{"model", "RBM 784 x " + std::to_string(hidden) + (persistent ? ", PCD-" : ", CD-") + std::to_string(k)},
                         {"seed", std::to_string(seed)},
                         {"test reconstruction error", std::to_string(last_error)}});
    folder->write_report();
    std::printf("wrote the run folder %s (steps.csv, metrics.csv, curves, report.md)\n", run.c_str());
    if (ais_runs > 1) {
      const auto [log_z, ll] = likelihood(ais_final_steps);
      std::printf("final AIS (%lld runs, %lld steps): log Z %.2f [%.2f, %.2f], average test log-likelihood %.2f nats "
                  "[%.2f, %.2f]\n",
                  static_cast<long long>(ais_runs), static_cast<long long>(ais_final_steps), log_z.log_z,
                  log_z.log_z_low, log_z.log_z_high, ll.mean, ll.low, ll.high);
    }
    std::printf("final test reconstruction error %.4f\n", last_error);
  } catch (const Error& e) {
    std::fprintf(stderr, "rbm: %s\n", e.what());
    return 1;
  }
}
