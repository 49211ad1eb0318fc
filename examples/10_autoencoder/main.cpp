// Autoencoders on Fashion-MNIST: a dense one (784-256-32-256-784, ReLU) and a convolutional
// one (Conv2d 1->16->32 with stride 2 down to 32x7x7, ConvTranspose2d back up to 1x28x28), both
// ending in Bernoulli logits and trained with binary cross-entropy (mean over pixels), Adam
// 1e-3, batches of 128. Prints the training and test loss per epoch and saves a PNG grid of
// test images above their reconstructions for each model. Each trains with train::Trainer,
// which writes a run folder (--run).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

nn::Sequential dense_autoencoder(std::int64_t code, Generator& gen) {
  return nn::Sequential(nn::Flatten(), nn::Dense(784, 256, gen), nn::ReLU(), nn::Dense(256, code, gen), nn::ReLU(),
                        nn::Dense(code, 256, gen), nn::ReLU(), nn::Dense(256, 784, gen));
}

nn::Sequential conv_autoencoder(Generator& gen) {
  using Down = nn::Conv2dOptions;
  using Up = nn::ConvTranspose2dOptions;
  return nn::Sequential(
      nn::Conv2d(Down{.in = 1, .out = 16, .kernel = 3, .stride = 2, .padding = 1}, gen), nn::ReLU(),   // 16x14x14
      nn::Conv2d(Down{.in = 16, .out = 32, .kernel = 3, .stride = 2, .padding = 1}, gen), nn::ReLU(),  // 32x7x7
      nn::ConvTranspose2d(Up{.in = 32, .out = 16, .kernel = 3, .stride = 2, .padding = 1, .output_padding = 1}, gen),
      nn::ReLU(),                                                                                       // 16x14x14
      nn::ConvTranspose2d(Up{.in = 16, .out = 1, .kernel = 3, .stride = 2, .padding = 1, .output_padding = 1}, gen));
}

// Trains `net` to give back its input (a Trainer with BCEWithLogits, the images as their own
// targets, the test images as validation), writes its run folder `run` and the reconstructions
// grid, and returns the last test loss.
double fit_autoencoder(const std::string& name, nn::Sequential& net, const Tensor& train_x, const Tensor& test_x, int epochs,
                       std::int64_t batch_size, double lr, std::uint64_t seed, const std::string& out,
                       const std::string& run) {
  optim::Adam opt(net.parameters(), {.lr = lr});
  std::printf("%s autoencoder: %lld parameters\n", name.c_str(), static_cast<long long>(net.parameter_count()));
  // Targets shaped as the model's logits: [N, 784] for the dense one, [N, 1, 28, 28] for the conv one.
  auto target = [&](const Tensor& x) { return name == "dense" ? reshape(x, {x.size(0), 784}) : x; };
  train::Trainer trainer(net, opt, loss::BCEWithLogits());
  std::filesystem::create_directories(run);
  auto folder = std::make_shared<train::RunFolderSink>(run);
  const auto start = std::chrono::steady_clock::now();
  const auto test_set = std::make_shared<data::TensorDataset>(test_x, target(test_x));
  double test_loss = trainer.evaluate(test_set, 1000).loss;
  const train::LambdaCallback report({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
    test_loss = logs.at("val_loss");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s epoch %lld/%d: train loss %.4f, test loss %.4f (BCE per pixel), %.1f s\n", name.c_str(),
                static_cast<long long>(epoch + 1), epochs, logs.at("loss"), test_loss, seconds);
    std::fflush(stdout);
  }});
  trainer.fit(std::make_shared<data::TensorDataset>(train_x, target(train_x)),
              {.epochs = epochs, .batch_size = batch_size,
               .validation = test_set, .callbacks = {report}, .sinks = {folder}, .seed = seed, .verbose = 0});
  char result[32];
  std::snprintf(result, sizeof result, "%.4f", test_loss);
  folder->set_summary({{"model", name + " autoencoder"}, {"seed", std::to_string(seed)}, {"test loss (BCE per pixel)", result}});
  folder->write_report();

  NoGradGuard no_grad;
  net.eval();
  const Tensor originals = slice(test_x, 0, 0, 16);
  const Tensor recon = reshape(sigmoid(net(originals)), {16, 1, 28, 28});
  const std::string path = out + "/autoencoder_" + name + "_reconstructions.png";
  io::save_image_grid(path,
                      cat({slice(originals, 0, 0, 8), slice(recon, 0, 0, 8), slice(originals, 0, 8, 16),
                           slice(recon, 0, 8, 16)}),
                      {.nrow = 8, .pad_value = 1});
  std::printf("wrote %s (rows 1 and 3: test images; rows 2 and 4: their reconstructions) and the run folder %s\n",
              path.c_str(), run.c_str());
  return test_loss;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a dense and a convolutional autoencoder on Fashion-MNIST and saves their reconstructions\n"
               "of test images as PNG grids."};
  int epochs = 5, threads = 0;
  std::int64_t batch_size = 128, limit = 0, code = 32;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  std::string model = "both", dir = data::kFashionMnistDir, out = ".", run;
  app.add_option("--model", model, "dense, conv or both")->capture_default_str()->check(CLI::IsMember({"dense", "conv", "both"}));
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--code", code, "Dense: size of the code layer")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(784)));
  app.add_option("--batch-size", batch_size, "Examples per Adam step")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate of Adam")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Seed of the init and the order")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N images only (0: all 60000)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNG grids")->capture_default_str();
  app.add_option("--run", run, "Folder of the run folders <run>/dense and <run>/conv (default: <out>/autoencoder_run)");
  CLI11_PARSE(app, argc, argv);
  if (run.empty()) run = out + "/autoencoder_run";
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    Tensor train_x = data::fashion_mnist("train", dir)->x();  // [N, 1, 28, 28] in [0, 1]
    if (limit > 0) train_x = slice(train_x, 0, 0, std::min(limit, train_x.size(0)));
    const Tensor test_x = data::fashion_mnist("test", dir)->x();
    std::printf("%d epochs, %lld training images, batch %lld, Adam lr %g, %d threads, seed %llu\n", epochs,
                static_cast<long long>(train_x.size(0)), static_cast<long long>(batch_size), lr, num_threads(),
                static_cast<unsigned long long>(seed));
    double dense_loss = 0, conv_loss = 0;
    if (model != "conv") {
      Generator gen(seed);
      nn::Sequential net = dense_autoencoder(code, gen);
      dense_loss = fit_autoencoder("dense", net, train_x, test_x, epochs, batch_size, lr, seed, out, run + "/dense");
    }
    if (model != "dense") {
      Generator gen(seed);
      nn::Sequential net = conv_autoencoder(gen);
      conv_loss = fit_autoencoder("conv", net, train_x, test_x, epochs, batch_size, lr, seed, out, run + "/conv");
    }
    std::printf("final test loss dense %.4f conv %.4f\n", dense_loss, conv_loss);
  } catch (const Error& e) {
    std::fprintf(stderr, "autoencoder: %s\n", e.what());
    return 1;
  }
}
