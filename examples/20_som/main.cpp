// A self-organizing map (classic::Som) on Fashion-MNIST: a 10 x 10 hexagonal Kohonen map trained
// online (or with the batch map) with a Gaussian neighbourhood whose radius and learning rate
// decay exponentially. Prints the quantization and topographic errors of the test set after each
// epoch and the majority class of each unit, and saves the codebook (each unit's prototype
// image, on the grid) and the U-matrix as PNGs.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <soma/classic/som.h>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

// The U-matrix [rows, cols] as a grey image, `cell` pixels per unit (white: far from the
// neighbours, a cluster border); on a hexagonal grid odd rows are shifted by half a cell.
Tensor u_matrix_image(const Tensor& u, bool hexagonal, int cell) {
  const std::int64_t rows = u.size(0), cols = u.size(1);
  const std::int64_t W = cols * cell + (hexagonal ? cell / 2 : 0), H = rows * cell;
  Tensor image = zeros({1, H, W});
  const double high = *std::max_element(u.data<double>(), u.data<double>() + u.numel());
  const double low = *std::min_element(u.data<double>(), u.data<double>() + u.numel());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      const float value = float((u.data<double>()[r * cols + c] - low) / std::max(high - low, 1e-12));
      const std::int64_t left = c * cell + (hexagonal && r % 2 ? cell / 2 : 0);
      for (int dr = 1; dr < cell - 1; ++dr)
        for (int dc = 1; dc < cell - 1; ++dc) image.data<float>()[(r * cell + dr) * W + left + dc] = value;
    }
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a self-organizing map (Kohonen) on Fashion-MNIST; prints its quantization and topographic\n"
               "errors and saves its codebook and U-matrix as PNGs."};
  int epochs = 3, threads = 0;
  std::int64_t rows = 10, cols = 10, limit = 0;
  double sigma_start = 5, sigma_end = 0.5, lr_start = 0.5, lr_end = 0.01;
  bool batch = false, rectangular = false;
  std::uint64_t seed = 0;
  std::string dir = data::kFashionMnistDir, out = ".";
  app.add_option("--epochs", epochs, "Passes over the training set")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--rows", rows, "Grid rows")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100)));
  app.add_option("--cols", cols, "Grid columns")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(100)));
  app.add_flag("--rectangular", rectangular, "A rectangular grid (default: hexagonal)");
  app.add_flag("--batch", batch, "Kohonen's batch map, once per epoch (default: online, image by image)");
  app.add_option("--sigma-start", sigma_start, "Neighbourhood radius at the start (grid units)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--sigma-end", sigma_end, "... at the end")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr-start", lr_start, "Online learning rate at the start")->capture_default_str()->check(CLI::Range(1e-9, 1.0));
  app.add_option("--lr-end", lr_end, "... at the end")->capture_default_str()->check(CLI::Range(1e-9, 1.0));
  app.add_option("--limit", limit, "Train on the first N images only (0: all 60000)")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the initial prototypes")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNGs")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());
  try {
    if (threads > 0) set_num_threads(threads);
    auto train_set = data::fashion_mnist("train", dir);
    auto test_set = data::fashion_mnist("test", dir);
    const std::int64_t n = limit > 0 ? std::min<std::int64_t>(limit, train_set->size()) : train_set->size();
    const Tensor x = reshape(slice(train_set->x(), 0, 0, n), {n, 784}).to(DType::f64);
    const Tensor test_x = reshape(test_set->x(), {test_set->size(), 784}).to(DType::f64);
    const bool hex = !rectangular;
    Generator gen(seed);
    classic::Som som({.rows = rows, .cols = cols, .features = 784,
                      .topology = hex ? classic::SomTopology::hexagonal : classic::SomTopology::rectangular,
                      .sigma_start = sigma_start, .sigma_end = sigma_end, .lr_start = lr_start, .lr_end = lr_end},
                     gen);
    som.init_from_samples(x, gen);
    std::printf("SOM %lld x %lld %s, %s, sigma %g -> %g, lr %g -> %g, %d epochs, %lld training images, seed %llu\n",
                static_cast<long long>(rows), static_cast<long long>(cols), hex ? "hexagonal" : "rectangular",
                batch ? "batch map" : "online", sigma_start, sigma_end, lr_start, lr_end, epochs,
                static_cast<long long>(n), static_cast<unsigned long long>(seed));
    std::printf("before training (prototypes = random training images): test quantization error %.4f, topographic error %.4f\n",
                som.quantization_error(test_x), som.topographic_error(test_x));
    const auto start = std::chrono::steady_clock::now();
    for (int e = 0; e < epochs; ++e) {
      // Online: each epoch visits the images in a fresh order; the batch map takes them all at once.
      if (batch) {
        som.train_batch(x, epochs > 1 ? double(e) / (epochs - 1) : 1.0);
      } else {
        const std::vector<std::int64_t> order = random_permutation(n, gen);
        som.train_online(index_select(x, from_data(order, {n})), double(e) / epochs, double(e + 1) / epochs);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d/%d: sigma %.2f, lr %.4f, test quantization error %.4f, topographic error %.4f (%.1f s)\n",
                  e + 1, epochs, som.sigma_at(double(e + 1) / epochs), som.lr_at(double(e + 1) / epochs),
                  som.quantization_error(test_x), som.topographic_error(test_x), seconds);
      std::fflush(stdout);
    }

    // Each unit's majority class over the test images it wins ('.': it wins none).
    const Tensor bmu = som.best_matching_units(test_x);
    std::vector<std::vector<int>> votes(std::size_t(som.units()), std::vector<int>(10, 0));
    for (std::int64_t i = 0; i < test_x.size(0); ++i)
      ++votes[std::size_t(bmu.data<std::int64_t>()[i])][std::size_t(test_set->y().data<std::int64_t>()[i])];
    std::int64_t purity = 0;
    std::printf("majority class per unit (0 T-shirt, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 boot):\n");
    for (std::int64_t r = 0; r < rows; ++r) {
      std::printf("%s", hex && r % 2 ? " " : "");
      for (std::int64_t c = 0; c < cols; ++c) {
        const auto& v = votes[std::size_t(r * cols + c)];
        const auto best = std::max_element(v.begin(), v.end());
        purity += *best;
        std::printf(" %c", *best == 0 ? '.' : char('0' + (best - v.begin())));
      }
      std::printf("\n");
    }
    const double accuracy = double(purity) / double(test_x.size(0));
    io::save_image_grid(out + "/som_codebook.png", reshape(som.codebook().to(DType::f32), {som.units(), 1, 28, 28}),
                        {.nrow = int(cols), .padding = 1, .pad_value = 1});
    io::write_png(out + "/som_u_matrix.png", u_matrix_image(som.u_matrix(), hex, 24));
    std::printf("wrote %s/som_codebook.png and %s/som_u_matrix.png\n", out.c_str(), out.c_str());
    std::printf("test images whose unit's majority class is theirs: %.4f\n", accuracy);
    std::printf("result: quantization error %.4f, topographic error %.4f\n", som.quantization_error(test_x),
                som.topographic_error(test_x));
  } catch (const Error& e) {
    std::fprintf(stderr, "som: %s\n", e.what());
    return 1;
  }
}
