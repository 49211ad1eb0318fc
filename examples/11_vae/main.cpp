// A variational autoencoder on Fashion-MNIST: encoder 784-400-(20 + 20), decoder 20-400-784
// (Bernoulli logits), loss = BCE summed over pixels + KL(q(z|x) || N(0, 1)), Adam 1e-3, batches
// of 128. Prints the training and test loss per epoch and saves PNG grids: test images with
// their reconstructions, samples decoded from z ~ N(0, 1), and interpolations between the
// codes of pairs of test images. Training runs through train::Loop, which writes a run folder
// (--run).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

Tensor rows(const Tensor& images, std::int64_t limit) {
  const std::int64_t n = limit > 0 ? std::min(limit, images.size(0)) : images.size(0);
  return reshape(slice(images, 0, 0, n), {n, 784});
}

Tensor as_images(const Tensor& r) { return reshape(r, {r.size(0), 1, 28, 28}); }

// Mean VAE loss over `x` in batches, with z drawn from `gen` (no gradients).
double evaluate(generative::Vae& vae, const Tensor& x, Generator& gen) {
  NoGradGuard no_grad;
  double total = 0;
  for (std::int64_t first = 0; first < x.size(0); first += 1000) {
    const Tensor xb = slice(x, 0, first, std::min(x.size(0), first + 1000));
    const auto out = vae.run(xb, gen);
    total += generative::vae_loss(out.logits, xb, out.mu, out.logvar).item() * double(xb.size(0));
  }
  return total / double(x.size(0));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a variational autoencoder (784-400-20) on Fashion-MNIST and saves reconstructions,\n"
               "samples and interpolations as PNG grids."};
  int epochs = 10, threads = 0;
  std::int64_t batch_size = 128, limit = 0, hidden = 400, latent = 20;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  std::string dir = data::kFashionMnistDir, out = ".", run;
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(0, 10'000));
  app.add_option("--hidden", hidden, "Hidden units of encoder and decoder")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100'000)));
  app.add_option("--latent", latent, "Size of the code z")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000)));
  app.add_option("--batch-size", batch_size, "Examples per Adam step")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(60'000)));
  app.add_option("--lr", lr, "Learning rate of Adam")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Seed of the init, the order and the samples")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--limit", limit, "Train on the first N images only (0: all 60000)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(60'000)));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNG grids")->capture_default_str();
  app.add_option("--run", run, "Run folder for the training record (default: <out>/vae_run)");
  CLI11_PARSE(app, argc, argv);
  if (run.empty()) run = out + "/vae_run";
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const Tensor train = rows(data::fashion_mnist("train", dir)->x(), limit);
    const Tensor test = rows(data::fashion_mnist("test", dir)->x(), 0);
    Generator gen(seed), eval_gen(seed + 1);
    generative::Vae vae({.input = 784, .hidden = hidden, .latent = latent}, gen);
    optim::Adam opt(vae.parameters(), {.lr = lr});
    std::printf("VAE 784-%lld-%lld (%lld parameters), Adam lr %g, batch %lld, %d epochs, %lld training images, %d "
                "threads, seed %llu\n",
                static_cast<long long>(hidden), static_cast<long long>(latent),
                static_cast<long long>(vae.parameter_count()), lr, static_cast<long long>(batch_size), epochs,
                static_cast<long long>(train.size(0)), num_threads(), static_cast<unsigned long long>(seed));

    // train::Loop runs the VaeLearner (the order from seed + 2, the noise z from seed + 3) and
    // writes the run folder: steps.csv, metrics.csv (with the test loss added below), curves,
    // the samples of each epoch, report.md.
    std::filesystem::create_directories(run);
    auto folder = std::make_shared<train::RunFolderSink>(run);
    generative::VaeLearner learner(vae, opt, {.seed = seed + 3, .image_shape = {1, 28, 28}});
    const auto start = std::chrono::steady_clock::now();
    double test_loss = 0;
    const train::LambdaCallback test_eval({.on_epoch_end = [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
      eval_gen.seed(seed + 1);  // the same z draws every epoch, so the test losses compare
      test_loss = logs["test_loss"] = evaluate(vae, test, eval_gen);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %lld/%d: train loss %.2f, test loss %.2f (per image: BCE summed over pixels + KL), %.1f s\n",
                  static_cast<long long>(epoch + 1), epochs, logs.at("loss"), test_loss, seconds);
      std::fflush(stdout);
    }});
    train::Loop(learner).fit(std::make_shared<data::TensorDataset>(train),
                             {.epochs = epochs, .batch_size = batch_size, .callbacks = {test_eval}, .sinks = {folder},
                              .seed = seed + 2, .verbose = 0});
    char result[32];
    std::snprintf(result, sizeof result, "%.2f", test_loss);
    folder->set_summary({{"model", "VAE 784-" + std::to_string(hidden) + "-" + std::to_string(latent)},
                         {"seed", std::to_string(seed)},
                         {"test loss", result}});
    folder->write_report();

    NoGradGuard no_grad;
    const Tensor originals = slice(test, 0, 0, 16);
    const Tensor recon = sigmoid(vae(originals));
    io::save_image_grid(out + "/vae_reconstructions.png",
                        as_images(cat({slice(originals, 0, 0, 8), slice(recon, 0, 0, 8), slice(originals, 0, 8, 16),
                                       slice(recon, 0, 8, 16)})),
                        {.nrow = 8, .pad_value = 1});
    Generator sample_gen(seed + 2);
    io::save_image_grid(out + "/vae_samples.png", as_images(sigmoid(vae.decode(normal({64, latent}, 0, 1, sample_gen)))),
                        {.nrow = 8, .pad_value = 1});
    // Interpolations: a row per pair of test images (i, i + 8), from mu(x_i) to mu(x_{i+8}).
    const auto codes = vae.encode(originals);
    std::vector<Tensor> steps;
    for (int pair = 0; pair < 8; ++pair)
      for (int s = 0; s < 10; ++s) {
        const double t = s / 9.0;
        steps.push_back(slice(codes.mu, 0, pair, pair + 1) * (1 - t) + slice(codes.mu, 0, pair + 8, pair + 9) * t);
      }
    io::save_image_grid(out + "/vae_interpolations.png", as_images(sigmoid(vae.decode(cat(steps)))),
                        {.nrow = 10, .pad_value = 1});
    std::printf("wrote %s/vae_reconstructions.png, %s/vae_samples.png, %s/vae_interpolations.png\n", out.c_str(),
                out.c_str(), out.c_str());
    std::printf("wrote the run folder %s (steps.csv, metrics.csv, curves, samples, report.md)\n", run.c_str());
    std::printf("final test loss %.2f\n", test_loss);
  } catch (const Error& e) {
    std::fprintf(stderr, "vae: %s\n", e.what());
    return 1;
  }
}
