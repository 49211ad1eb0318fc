// Fashion-MNIST with a multilayer perceptron: benchmark B2's model (Dense 784-256-128-10 with
// ReLU, softmax cross-entropy, Adam lr 1e-3, batches of 64, shuffled) trained with the
// Keras-style Trainer, validated on the test set after every epoch. Pixels are standardized
// with the training set's mean and standard deviation first (--no-standardize: raw [0, 1]).
// Prints the progress bar and ends with the test accuracy. Not the benchmark itself (bench/
// times B2); no convolutions.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// Images [N, 1, 28, 28] as rows [N, 784] for the dense layers (a view: nothing is copied),
// keeping the first `limit` examples when limit > 0.
std::shared_ptr<data::TensorDataset> flat(const std::shared_ptr<data::TensorDataset>& images, std::int64_t limit) {
  const std::int64_t n = limit > 0 ? std::min(limit, images->size()) : images->size();
  const Tensor x = slice(images->x(), 0, 0, n);
  return std::make_shared<data::TensorDataset>(reshape(x, {n, 28 * 28}), slice(images->y(), 0, 0, n));
}

// The mean and the (unbiased) standard deviation of every value of x, as torch's x.mean() and
// x.std(), summed in double.
std::pair<double, double> mean_and_std(const Tensor& x) {
  const float* p = x.data<float>();
  const std::int64_t n = x.numel();
  double sum = 0, squares = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += p[i];
  const double mean = sum / double(n);
  for (std::int64_t i = 0; i < n; ++i) squares += (p[i] - mean) * (p[i] - mean);
  return {mean, std::sqrt(squares / double(n - 1))};
}

// The dataset with x replaced by (x - mean) / std_dev.
std::shared_ptr<data::TensorDataset> standardized(const std::shared_ptr<data::TensorDataset>& set, double mean,
                                                  double std_dev) {
  return std::make_shared<data::TensorDataset>((set->x() - mean) / std_dev, set->y());
}

// The test set one image at a time, as a deployed model sees it, through an nn::InferencePlan
// in float32 and with bfloat16 weights (soma/nn/inference.h): the accuracy of each, how many
// predictions differ from the model's own batched forward, and the time per image.
void check_inference(nn::Sequential& net, const data::TensorDataset& test) {
  Tensor logits;
  {
    nn::ModeGuard mode(net);
    net.eval();
    NoGradGuard no_grad;
    logits = net(test.x());
  }
  const std::int64_t n = test.size(), classes = logits.size(1);
  auto argmax = [classes](const float* row) { return std::max_element(row, row + classes) - row; };
  const std::int64_t* labels = test.y().data<std::int64_t>();
  for (const bool bf16 : {false, true}) {
    nn::InferencePlan plan(net, {1, 784}, {.bf16 = bf16});
    std::int64_t correct = 0, differ = 0;
    double worst = 0;  // the largest |logit - the model's logit|
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < n; ++i) {
      const float* y = plan(slice(test.x(), 0, i, i + 1)).data<float>();
      const float* want = logits.data<float>() + i * classes;
      correct += argmax(y) == labels[i];
      differ += argmax(y) != argmax(want);
      for (std::int64_t c = 0; c < classes; ++c) worst = std::max(worst, double(std::abs(y[c] - want[c])));
    }
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    std::printf("InferencePlan %s, one image at a time: test accuracy %.4f, %lld of %lld predictions differ from the "
                "model's, largest logit difference %.2g, %.1f us per image\n",
                bf16 ? "bf16" : "float32", double(correct) / double(n), static_cast<long long>(differ),
                static_cast<long long>(n), worst, us / double(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains benchmark B2's multilayer perceptron (784-256-128-10, ReLU, Adam 1e-3, batch 64) on\n"
               "Fashion-MNIST and reports the test accuracy."};
  int epochs = 5, threads = 0;
  std::int64_t batch_size = 64, limit = 0;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  std::string dir = data::kFashionMnistDir;
  bool no_standardize = false, inference = false;
  const CLI::Validator positive(
      [](std::string& s) { return std::strtod(s.c_str(), nullptr) > 0 ? "" : "must be > 0, got " + s; }, "> 0");
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--batch-size", batch_size, "Examples per Adam step")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate of Adam")->capture_default_str()->check(positive);
  app.add_option("--seed", seed, "Seed of the weight init and of the shuffling")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N examples only (0: all 60000), for quick runs")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_flag("--no-standardize", no_standardize,
               "Train on pixels in [0, 1] instead of standardizing them with the training set's mean and std");
  app.add_flag("--inference", inference,
               "After training, also run the test set image by image through an nn::InferencePlan, in float32 and "
               "with bfloat16 weights, and report their accuracy");
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    auto train = flat(data::fashion_mnist("train", dir), limit);
    auto test = flat(data::fashion_mnist("test", dir), 0);
    std::string pixels = "pixels in [0, 1]";
    if (!no_standardize) {
      // Zero mean and unit variance inputs, from the training images only (as PyTorch's
      // tutorials' Normalize((0.2860,), (0.3530,))): a few tenths of a point more test
      // accuracy, in soma and in PyTorch alike (README).
      const auto [mean, std_dev] = mean_and_std(train->x());
      train = standardized(train, mean, std_dev);
      test = standardized(test, mean, std_dev);
      char text[64];
      std::snprintf(text, sizeof text, "pixels standardized (mean %.4f, std %.4f)", mean, std_dev);
      pixels = text;
    }

    manual_seed(seed);
    nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dense(256, 128), nn::ReLU(), nn::Dense(128, 10)};
    optim::Adam opt(net.parameters(), {.lr = lr});
    train::Trainer trainer(net, opt, loss::CrossEntropy());
    std::printf("MLP 784-256-128-10 (%lld parameters), Adam lr %g, batch %lld, %d epochs, %lld training and %lld"
                " test images, %s, %d threads, seed %llu\n",
                static_cast<long long>(net.parameter_count()), lr, static_cast<long long>(batch_size), epochs,
                static_cast<long long>(train->size()), static_cast<long long>(test->size()), pixels.c_str(), num_threads(),
                static_cast<unsigned long long>(seed));

    const auto start = std::chrono::steady_clock::now();
    trainer.fit(train, {.epochs = epochs, .batch_size = batch_size, .validation = test, .seed = seed});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const train::Metrics result = trainer.evaluate(test, 1000);
    std::printf("trained in %.1f s; test loss %.4f\n", seconds, result.loss);
    if (inference) check_inference(net, *test);
    std::printf("test accuracy %.4f\n", result.accuracy);
  } catch (const Error& e) {
    std::fprintf(stderr, "mlp_fashion: %s\n", e.what());
    return 1;
  }
}
