// A GAN on Fashion-MNIST (benchmark B7): generator 100-256-512-784 (LeakyReLU 0.2, tanh out),
// discriminator 784-512-256-1 (LeakyReLU 0.2, sigmoid out), binary cross-entropy, batches of
// 64, Adam lr 2e-4 with beta1 0.5, pixels scaled to [-1, 1]. --dcgan swaps in a small DCGAN:
// transposed convolutions with batch norm in G, strided convolutions in D. Prints the losses
// and mean D(x), D(G(z)) per epoch and saves a grid of 64 samples from fixed noise each epoch.
// Training runs through train::Loop, which writes a run folder (--run).
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

nn::Sequential mlp_generator(std::int64_t latent, Generator& gen) {
  return nn::Sequential(nn::Dense(latent, 256, gen), nn::LeakyReLU(0.2), nn::Dense(256, 512, gen), nn::LeakyReLU(0.2),
                        nn::Dense(512, 784, gen), nn::Tanh());
}

nn::Sequential mlp_discriminator(Generator& gen) {
  return nn::Sequential(nn::Dense(784, 512, gen), nn::LeakyReLU(0.2), nn::Dense(512, 256, gen), nn::LeakyReLU(0.2),
                        nn::Dense(256, 1, gen), nn::Sigmoid());
}

// z [N, latent, 1, 1] -> 7x7 -> 14x14 -> 28x28 images in [-1, 1].
nn::Sequential dcgan_generator(std::int64_t latent, std::int64_t width, Generator& gen) {
  using Up = nn::ConvTranspose2dOptions;
  return nn::Sequential(nn::ConvTranspose2d(Up{.in = latent, .out = 2 * width, .kernel = 7, .bias = false}, gen),
                        nn::BatchNorm2d(2 * width), nn::ReLU(),
                        nn::ConvTranspose2d(Up{.in = 2 * width, .out = width, .kernel = 4, .stride = 2, .padding = 1, .bias = false}, gen),
                        nn::BatchNorm2d(width), nn::ReLU(),
                        nn::ConvTranspose2d(Up{.in = width, .out = 1, .kernel = 4, .stride = 2, .padding = 1}, gen), nn::Tanh());
}

// [N, 1, 28, 28] -> 14x14 -> 7x7 -> probability of "real".
nn::Sequential dcgan_discriminator(std::int64_t width, Generator& gen) {
  using Down = nn::Conv2dOptions;
  return nn::Sequential(nn::Conv2d(Down{.in = 1, .out = width, .kernel = 4, .stride = 2, .padding = 1}, gen), nn::LeakyReLU(0.2),
                        nn::Conv2d(Down{.in = width, .out = 2 * width, .kernel = 4, .stride = 2, .padding = 1, .bias = false}, gen),
                        nn::BatchNorm2d(2 * width), nn::LeakyReLU(0.2), nn::Flatten(), nn::Dense(2 * width * 49, 1, gen),
                        nn::Sigmoid());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a GAN (B7's MLP GAN, or a DCGAN with --dcgan) on Fashion-MNIST and saves a PNG grid of\n"
               "samples from fixed noise after every epoch."};
  int epochs = 20, threads = 0, d_steps = 1;
  std::int64_t batch_size = 64, limit = 0, latent = 100, width = 32;
  double lr = 2e-4, beta1 = 0.5;
  std::uint64_t seed = 0;
  bool dcgan = false, minimax = false, uniform_noise = false, default_init = false;
  std::string dir = data::kFashionMnistDir, out = ".", run;
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_flag("--dcgan", dcgan, "Convolutional generator and discriminator with batch norm (DCGAN)");
  app.add_flag("--default-init", default_init, "DCGAN: keep soma's (PyTorch's) default init instead of N(0, 0.02)");
  app.add_option("--width", width, "DCGAN: channels of the first layer of D / last hidden layer of G")
      ->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(4096)));
  app.add_option("--latent", latent, "Size of the noise z")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000)));
  app.add_option("--d-steps", d_steps, "k: discriminator steps per generator step")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_flag("--minimax", minimax, "Generator descends log(1 - D(G(z))) instead of the non-saturating -log D(G(z))");
  app.add_flag("--uniform-noise", uniform_noise, "z ~ U(-1, 1) instead of N(0, 1)");
  app.add_option("--batch-size", batch_size, "Real images per discriminator step")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate of both Adams")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--beta1", beta1, "Adam's beta1")->capture_default_str()->check(CLI::Range(0.0, 0.999));
  app.add_option("--seed", seed, "Seed of the init, the order and the noise")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N images only (0: all 60000)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNG grids")->capture_default_str();
  app.add_option("--run", run, "Run folder for the training record (default: <out>/gan_run, <out>/dcgan_run)");
  CLI11_PARSE(app, argc, argv);
  if (run.empty()) run = out + (dcgan ? "/dcgan_run" : "/gan_run");
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    Tensor images = data::fashion_mnist("train", dir)->x();  // [N, 1, 28, 28] in [0, 1]
    const std::int64_t n = limit > 0 ? std::min(limit, images.size(0)) : images.size(0);
    images = slice(images, 0, 0, n) * 2.0 - 1.0;              // tanh's range
    if (!dcgan) images = reshape(images, {n, 784});

    Generator gen(seed);
    nn::Sequential g = dcgan ? dcgan_generator(latent, width, gen) : mlp_generator(latent, gen);
    nn::Sequential d = dcgan ? dcgan_discriminator(width, gen) : mlp_discriminator(gen);
    if (dcgan && !default_init) {
      generative::dcgan_init(g, gen);
      generative::dcgan_init(d, gen);
    }
    optim::Adam g_opt(g.parameters(), {.lr = lr, .betas = {beta1, 0.999}});
    optim::Adam d_opt(d.parameters(), {.lr = lr, .betas = {beta1, 0.999}});
    generative::GanLearner gan(g, d, g_opt, d_opt,
                               {.noise_shape = dcgan ? Shape{latent, 1, 1} : Shape{latent},
                                .d_steps = d_steps,
                                .generator_loss = minimax ? generative::GanLoss::minimax : generative::GanLoss::non_saturating,
                                .noise = uniform_noise ? generative::GanNoise::uniform : generative::GanNoise::normal,
                                .seed = seed + 1,
                                .image_shape = {1, 28, 28}});
    std::printf("%s: G %lld parameters, D %lld parameters; %s loss, %s noise, k = %d, Adam lr %g beta1 %g, batch %lld, "
                "%d epochs, %lld training images, %d threads, seed %llu\n",
                dcgan ? "DCGAN" : "MLP GAN", static_cast<long long>(g.parameter_count()),
                static_cast<long long>(d.parameter_count()), minimax ? "minimax" : "non-saturating",
                uniform_noise ? "U(-1, 1)" : "N(0, 1)", d_steps, lr, beta1, static_cast<long long>(batch_size), epochs,
                static_cast<long long>(n), num_threads(), static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    // train::Loop runs the learner: shuffled batches (seeded by seed + 2), the epoch means, and
    // the run folder (steps.csv, metrics.csv, curves, sample grids, report.md).
    std::filesystem::create_directories(run);
    auto folder = std::make_shared<train::RunFolderSink>(run);
    const auto start = std::chrono::steady_clock::now();
    double d_real = 0, d_fake = 0;
    const train::LambdaCallback report({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
      d_real = logs.at("d_real"), d_fake = logs.at("d_fake");
      const std::string file = out + "/" + (dcgan ? "dcgan" : "gan") + "_samples_epoch_" + std::to_string(epoch + 1) + ".png";
      io::save_image_grid(file, gan.sample_fixed(), {.nrow = 8, .pad_value = 1, .value_range = {{-1, 1}}});
      std::printf("epoch %lld/%d: D loss %.4f, G loss %.4f, D(x) %.3f, D(G(z)) %.3f, %.1f s, %s\n",
                  static_cast<long long>(epoch + 1), epochs, logs.at("d_loss"), logs.count("g_loss") ? logs.at("g_loss") : 0.0,
                  d_real, d_fake, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                  file.c_str());
      std::fflush(stdout);
    }});
    train::Loop(gan).fit(std::make_shared<data::TensorDataset>(images),
                         {.epochs = epochs, .batch_size = batch_size, .callbacks = {report}, .sinks = {folder},
                          .seed = seed + 2, .verbose = 0});
    char result[64];
    std::snprintf(result, sizeof result, "D(x) %.3f, D(G(z)) %.3f", d_real, d_fake);
    folder->set_summary({{"model", dcgan ? "DCGAN" : "MLP GAN"}, {"seed", std::to_string(seed)}, {"final epoch", result}});
    folder->write_report();
    std::printf("wrote the run folder %s (steps.csv, metrics.csv, curves, sample grids, report.md)\n", run.c_str());
    if (epochs > 0) std::printf("final D(x) %.3f D(G(z)) %.3f\n", d_real, d_fake);
  } catch (const Error& e) {
    std::fprintf(stderr, "gan: %s\n", e.what());
    return 1;
  }
}
