// Fashion-MNIST with a convolutional network: benchmark B3's model (two 3x3 convolutions with
// max pooling, batch norm on the second, a dense head with dropout; softmax cross-entropy,
// Adam lr 1e-3, batches of 64, shuffled) trained with the Keras-style Trainer, validated on the
// test set after every epoch, optionally with data augmentation (random shifts and horizontal
// flips). Pixels are standardized with the training set's mean and standard deviation first
// (--no-standardize: raw [0, 1]). Ends with the test accuracy. Not the benchmark itself (bench/
// times B3).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// The first `limit` examples when limit > 0 (leading-axis slices: views, nothing copied).
std::shared_ptr<data::TensorDataset> first(const std::shared_ptr<data::TensorDataset>& images, std::int64_t limit) {
  if (limit <= 0 || limit >= images->size()) return images;
  return std::make_shared<data::TensorDataset>(slice(images->x(), 0, 0, limit), slice(images->y(), 0, 0, limit));
}

// The mean and the (unbiased) standard deviation of every value of x, as torch's x.mean() and
// x.std(), summed in double. x is contiguous (a loader's tensor or a leading slice of one).
std::pair<double, double> mean_and_std(const Tensor& x) {
  const float* p = x.data<float>();
  const std::int64_t n = x.numel();
  double sum = 0, squares = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += p[i];
  const double mean = sum / double(n);
  for (std::int64_t i = 0; i < n; ++i) squares += (p[i] - mean) * (p[i] - mean);
  return {mean, std::sqrt(squares / double(n - 1))};
}

// x = (x - mean) / std_dev in place, in float as torchvision's Normalize. The loader's images
// belong to this program alone, and a copy would hold another 190 MB for the whole run.
void standardize(const Tensor& x, double mean, double std_dev) {
  float* p = x.data<float>();
  const auto m = static_cast<float>(mean), s = static_cast<float>(std_dev);
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i) p[i] = (p[i] - m) / s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains benchmark B3's convolutional network (Conv 32 - pool - Conv 64 - BatchNorm - pool - Dense 128 -\n"
               "Dropout - Dense 10, Adam 1e-3, batch 64) on Fashion-MNIST and reports the test accuracy."};
  int epochs = 5, threads = 0;
  std::int64_t batch_size = 64, limit = 0, shift = 2;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  bool augment = false, no_standardize = false;
  std::string dir = data::kFashionMnistDir;
  const CLI::Validator positive(
      [](std::string& s) { return std::strtod(s.c_str(), nullptr) > 0 ? "" : "must be > 0, got " + s; }, "> 0");
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--batch-size", batch_size, "Examples per Adam step")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate of Adam")->capture_default_str()->check(positive);
  app.add_flag("--augment", augment, "Augment the training images: random shifts and horizontal flips");
  app.add_option("--shift", shift, "With --augment: largest shift in pixels (zero padding)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(14)));
  app.add_option("--seed", seed, "Seed of the weight init, dropout, shuffling and augmentation")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N examples and test on the first N (0: all), for quick runs")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_flag("--no-standardize", no_standardize,
               "Train on pixels in [0, 1] instead of standardizing them with the training set's mean and std");
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const auto train = first(data::fashion_mnist("train", dir), limit);
    const auto test = first(data::fashion_mnist("test", dir), limit);
    std::string pixels = "pixels in [0, 1]";
    double black = 0;  // a pixel of value 0 (the background), after the standardization
    if (!no_standardize) {
      // Zero mean and unit variance inputs, from the training images only (as PyTorch's
      // tutorials' Normalize((0.2860,), (0.3530,))); README has the measurements.
      const auto [mean, std_dev] = mean_and_std(train->x());
      standardize(train->x(), mean, std_dev);
      standardize(test->x(), mean, std_dev);
      black = -mean / std_dev;
      char text[64];
      std::snprintf(text, sizeof text, "pixels standardized (mean %.4f, std %.4f)", mean, std_dev);
      pixels = text;
    }

    manual_seed(seed);  // weight init and the Dropout's mask seed are drawn from the default generator
    nn::Sequential net{
        nn::Conv2d({.in = 1, .out = 32, .kernel = 3, .padding = 1}),  nn::ReLU(), nn::MaxPool2d(2),
        nn::Conv2d({.in = 32, .out = 64, .kernel = 3, .padding = 1}), nn::BatchNorm2d(64),
        nn::ReLU(),                                                    nn::MaxPool2d(2),
        nn::Flatten(),                                                 nn::Dense(64 * 7 * 7, 128),
        nn::ReLU(),                                                    nn::Dropout(0.3),
        nn::Dense(128, 10)};
    optim::Adam opt(net.parameters(), {.lr = lr});
    train::Trainer trainer(net, opt, loss::CrossEntropy());

    train::FitOptions fit{.epochs = epochs, .batch_size = batch_size, .validation = test, .seed = seed};
    // random_shift with background padding: a shift moves black, not grey, in from the border
    // (torchvision's RandomCrop(28, padding=shift) before Normalize).
    if (augment)
      fit.transforms = {data::random_crop({.height = 28, .width = 28, .padding = shift, .fill = black}),
                        data::random_horizontal_flip(0.5)};
    std::printf("CNN B3 (%lld parameters), Adam lr %g, batch %lld, %d epochs, %lld training and %lld test images, "
                "%s, augmentation %s, %d threads, seed %llu\n",
                static_cast<long long>(net.parameter_count()), lr, static_cast<long long>(batch_size), epochs,
                static_cast<long long>(train->size()), static_cast<long long>(test->size()), pixels.c_str(),
                augment ? ("shift " + std::to_string(shift) + " + flip").c_str() : "off", num_threads(),
                static_cast<unsigned long long>(seed));

    const auto start = std::chrono::steady_clock::now();
    const train::History history = trainer.fit(train, fit);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // fit validated on the test set after the last epoch: report that rather than run the test
    // images through the same network again (evaluated here only for --epochs 0).
    train::Metrics result;
    if (history.contains("val_accuracy")) {
      result.loss = history["val_loss"].back();
      result.accuracy = history["val_accuracy"].back();
    } else {
      result = trainer.evaluate(test, batch_size);
    }
    std::printf("trained in %.1f s; test loss %.4f\n", seconds, result.loss);
    std::printf("test accuracy %.4f\n", result.accuracy);
  } catch (const Error& e) {
    std::fprintf(stderr, "cnn_fashion: %s\n", e.what());
    return 1;
  }
}
