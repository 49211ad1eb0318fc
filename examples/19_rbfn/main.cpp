// A radial-basis-function network (nn::RadialBasis + nn::Dense) trained two ways: the classic
// fit (k-means centres, nearest-centre widths, least-squares output layer: classic/rbfn.h) and
// gradient descent through autograd on every parameter (centres and widths included). First on
// two interleaved half-moons in 2-D, whose decision boundaries are saved as PNGs, then on
// Fashion-MNIST, whose test accuracy is printed (the MLP's is in examples/03_mlp_fashion).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <soma/classic/rbfn.h>
#include <soma/nn/radial_basis.h>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// Two half-moons (the usual "make_moons"): class 0 on the upper arc, class 1 on the lower one
// shifted right, Gaussian noise of `noise`; x [n, 2] float32, y int64 [n].
std::pair<Tensor, Tensor> moons(std::int64_t n, double noise, Generator& gen) {
  Tensor x = empty({n, 2}), y = empty({n}, DType::i64);
  for (std::int64_t i = 0; i < n; ++i) {
    const bool lower = i % 2;
    const double t = M_PI * gen.uniform();
    const double px = lower ? 1 - std::cos(t) : std::cos(t), py = lower ? 0.5 - std::sin(t) : std::sin(t);
    x.data<float>()[2 * i] = float(px + noise * gen.normal());
    x.data<float>()[2 * i + 1] = float(py + noise * gen.normal());
    y.data<std::int64_t>()[i] = lower;
  }
  return {x, y};
}

double accuracy(nn::Module& net, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  const Tensor pred = argmax(net(x), 1);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) correct += pred.data<std::int64_t>()[i] == y.data<std::int64_t>()[i];
  return double(correct) / double(y.numel());
}

// The plane [-1.5, 2.5] x [-1, 1.5] coloured by p(class 1) (blue 0 .. orange 1), the training
// points as dots of their class's colour, and the centres as black squares.
void draw_boundary(const std::string& path, nn::Module& net, const nn::RadialBasis& rbf, const Tensor& x,
                   const Tensor& y) {
  const int W = 400, H = 250;
  const double x0 = -1.5, x1 = 2.5, y0 = -1.0, y1 = 1.5;
  Tensor grid = empty({W * H, 2});
  for (int r = 0; r < H; ++r)
    for (int c = 0; c < W; ++c) {
      grid.data<float>()[2 * (r * W + c)] = float(x0 + (x1 - x0) * (c + 0.5) / W);
      grid.data<float>()[2 * (r * W + c) + 1] = float(y1 - (y1 - y0) * (r + 0.5) / H);
    }
  NoGradGuard no_grad;
  const Tensor p = softmax(net(grid), 1);
  Tensor image = empty({3, H, W});
  float* im = image.data<float>();
  auto paint = [&](int r, int c, float red, float green, float blue) {
    if (r < 0 || r >= H || c < 0 || c >= W) return;
    im[r * W + c] = red, im[H * W + r * W + c] = green, im[2 * H * W + r * W + c] = blue;
  };
  for (int i = 0; i < W * H; ++i) {
    const float q = p.data<float>()[2 * i + 1];
    const bool edge = std::abs(q - 0.5f) < 0.02f;
    paint(i / W, i % W, edge ? 0.2f : 0.55f + 0.4f * q, edge ? 0.2f : 0.7f + 0.05f * q, edge ? 0.2f : 0.95f - 0.5f * q);
  }
  auto to_pixel = [&](double px, double py) {
    return std::pair<int, int>{int((y1 - py) / (y1 - y0) * H), int((px - x0) / (x1 - x0) * W)};
  };
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    const auto [r, c] = to_pixel(x.data<float>()[2 * i], x.data<float>()[2 * i + 1]);
    const bool one = y.data<std::int64_t>()[i] == 1;
    for (int dr = -1; dr <= 1; ++dr)
      for (int dc = -1; dc <= 1; ++dc) paint(r + dr, c + dc, one ? 0.85f : 0.1f, one ? 0.35f : 0.3f, one ? 0.0f : 0.8f);
  }
  const Tensor centres = rbf.centres().to(DType::f64);
  for (std::int64_t k = 0; k < centres.size(0); ++k) {
    const auto [r, c] = to_pixel(centres.data<double>()[2 * k], centres.data<double>()[2 * k + 1]);
    for (int dr = -2; dr <= 2; ++dr)
      for (int dc = -2; dc <= 2; ++dc) paint(r + dr, c + dc, 0, 0, 0);
  }
  io::write_png(path, image);
}

// Adam on every parameter with softmax cross-entropy, full-batch or in batches.
void train_gradient(nn::Module& net, const Tensor& x, const Tensor& y, int epochs, std::int64_t batch, double lr) {
  optim::Adam opt(net.parameters(), {.lr = lr});
  train::Trainer trainer(net, opt, loss::CrossEntropy());
  trainer.fit(std::make_shared<data::TensorDataset>(x, y), {.epochs = epochs, .batch_size = batch, .verbose = 0});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains radial-basis-function networks two ways (k-means + least squares, and gradient descent)\n"
               "on 2-D half-moons (decision boundaries as PNGs) and on Fashion-MNIST (test accuracy)."};
  int epochs = 3, moon_epochs = 300, threads = 0, kmeans_iterations = 20;
  std::int64_t centres = 300, limit = 0, kmeans_rows = 10000, moon_centres = 12;
  double width_scale = 1.0, ridge = 1e-3, lr = 1e-3;
  std::uint64_t seed = 0;
  std::string dir = data::kFashionMnistDir, out = ".";
  app.add_option("--epochs", epochs, "Gradient-descent epochs on Fashion-MNIST (0: the least-squares fit only)")
      ->capture_default_str()->check(CLI::Range(0, 1000));
  app.add_option("--moon-epochs", moon_epochs, "Gradient-descent epochs on the half-moons")->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--centres", centres, "Gaussian units on Fashion-MNIST")->capture_default_str()->check(CLI::Range(std::int64_t(2), std::int64_t(5000)));
  app.add_option("--moon-centres", moon_centres, "Gaussian units on the half-moons")->capture_default_str()->check(CLI::Range(std::int64_t(2), std::int64_t(300)));
  app.add_option("--kmeans-rows", kmeans_rows, "Training images k-means clusters (0: all)")->capture_default_str();
  app.add_option("--kmeans-iterations", kmeans_iterations, "Lloyd iterations at most")->capture_default_str()->check(CLI::Range(0, 1000));
  app.add_option("--width-scale", width_scale, "Widths = scale x distance to the nearest centre")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--ridge", ridge, "Ridge of the least-squares output layer")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--lr", lr, "Adam's learning rate for gradient descent on Fashion-MNIST")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--limit", limit, "Train on the first N Fashion-MNIST images only (0: all 60000)")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the data, k-means and the weights")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out", out, "Folder for the PNGs")->capture_default_str();
  app.add_option("--steps", moon_epochs, "Same as --moon-epochs (the examples' common short-run option)");
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());
  try {
    if (threads > 0) set_num_threads(threads);
    Generator gen(seed);
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

    // Half-moons: the classic fit, then gradient descent from the same start.
    const auto [mx, my] = moons(400, 0.15, gen);
    const auto [tx, ty] = moons(1000, 0.15, gen);
    auto rbf = std::make_shared<nn::RadialBasis>(nn::RadialBasisOptions{.in = 2, .centres = moon_centres}, gen);
    auto head = std::make_shared<nn::Dense>(moon_centres, 2, gen);
    nn::Sequential net;
    net.push_back(rbf);
    net.push_back(head);
    classic::init_radial_basis(*rbf, mx, {.kmeans_iterations = 100, .width_scale = width_scale}, gen);
    classic::fit_output_least_squares(*rbf, *head, mx, my, 1e-6);
    const double moon_ls = accuracy(net, tx, ty);
    draw_boundary(out + "/rbfn_moons_least_squares.png", net, *rbf, mx, my);
    train_gradient(net, mx, my, moon_epochs, 400, 0.02);
    const double moon_gd = accuracy(net, tx, ty);
    draw_boundary(out + "/rbfn_moons_gradient.png", net, *rbf, mx, my);
    std::printf("half-moons, %lld centres: test accuracy least squares %.4f, + %d epochs of Adam on all parameters %.4f\n",
                static_cast<long long>(moon_centres), moon_ls, moon_epochs, moon_gd);
    std::printf("wrote %s/rbfn_moons_least_squares.png and %s/rbfn_moons_gradient.png (%.1f s)\n", out.c_str(),
                out.c_str(), seconds());

    // Fashion-MNIST on raw pixels in [0, 1].
    auto train_set = data::fashion_mnist("train", dir);
    const std::int64_t n = limit > 0 ? std::min<std::int64_t>(limit, train_set->size()) : train_set->size();
    const Tensor x = reshape(slice(train_set->x(), 0, 0, n), {n, 784}).copy();
    const Tensor y = slice(train_set->y(), 0, 0, n).copy();
    auto test_set = data::fashion_mnist("test", dir);
    const Tensor test_x = reshape(test_set->x(), {test_set->size(), 784}), test_y = test_set->y();
    auto frbf = std::make_shared<nn::RadialBasis>(nn::RadialBasisOptions{.in = 784, .centres = centres}, gen);
    auto fhead = std::make_shared<nn::Dense>(centres, 10, gen);
    nn::Sequential fnet;
    fnet.push_back(frbf);
    fnet.push_back(fhead);
    const std::int64_t km = kmeans_rows > 0 ? std::min(kmeans_rows, n) : n;
    const auto km_result = classic::init_radial_basis(
        *frbf, slice(x, 0, 0, km).copy(), {.kmeans_iterations = kmeans_iterations, .width_scale = width_scale}, gen);
    std::printf("Fashion-MNIST: k-means of %lld images into %lld centres, %d iterations, inertia %.1f (%.1f s)\n",
                static_cast<long long>(km), static_cast<long long>(centres), km_result.iterations, km_result.inertia,
                seconds());
    const double mse = classic::fit_output_least_squares(*frbf, *fhead, x, y, ridge);
    const double fashion_ls = accuracy(fnet, test_x, test_y);
    std::printf("least squares on %lld images (ridge %g): training MSE %.4f, test accuracy %.4f (%.1f s)\n",
                static_cast<long long>(n), ridge, mse, fashion_ls, seconds());
    double fashion_gd = fashion_ls;
    for (int e = 1; e <= epochs; ++e) {
      train_gradient(fnet, x, y, 1, 64, lr);
      fashion_gd = accuracy(fnet, test_x, test_y);
      std::printf("gradient descent epoch %d/%d (Adam lr %g, all parameters): test accuracy %.4f (%.1f s)\n", e,
                  epochs, lr, fashion_gd, seconds());
    }
    std::printf("result: half-moons least squares %.4f, gradient %.4f; Fashion-MNIST least squares %.4f, gradient %.4f\n",
                moon_ls, moon_gd, fashion_ls, fashion_gd);
    std::printf("test accuracy %.4f\n", fashion_gd);
  } catch (const Error& e) {
    std::fprintf(stderr, "rbfn: %s\n", e.what());
    return 1;
  }
}
