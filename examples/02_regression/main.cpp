// Regression by gradient descent, in two parts. First the lecture's walk-through: one weight,
// y = x * w, fitted to (2, 4), (1, 2), (3, 6) one sample at a time with lr 0.1 from w = 0.5,
// printing every update (prediction, error, gradient, new w) until w reaches 2. Then a noisy
// curve fitted by a line and by a parabola with the Trainer: the parabola's MSE is lower.
// Not a benchmark; the numbers are small enough to check by hand.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// Part 1. Loss (y_hat - y)^2 for one sample; its derivative in w is 2 x (y_hat - y). soma's
// autograd computes it; the printout puts it beside the hand formula so the two can be compared.
double walk_through(double w0, double lr, int epochs) {
  const double samples[3][2] = {{2, 4}, {1, 2}, {3, 6}};
  Tensor w = tensor({w0}).set_requires_grad();
  optim::SGD opt({w}, {.lr = lr});
  std::printf("Part 1: y = x * w, one sample at a time, lr %g, w starts at %g\n\n", lr, w0);
  std::printf("%5s  %3s %3s  %10s  %8s  %9s  %11s  %8s\n", "epoch", "x", "y", "prediction", "error", "gradient",
              "2 x error", "new w");
  for (int epoch = 1; epoch <= epochs; ++epoch)
    for (const auto& [x, y] : samples) {
      const Tensor prediction = tensor({x}) * w;
      const Tensor loss = mse_loss(prediction, tensor({y}), Reduction::sum);  // (y_hat - y)^2
      loss.backward();
      const double y_hat = prediction.item(), error = y_hat - y, gradient = w.grad().item();
      opt.step();
      opt.zero_grad();
      std::printf("%5d  %3g %3g  %10.4f  %8.4f  %9.4f  %11.4f  %8.4f\n", epoch, x, y, y_hat, error, gradient,
                  2 * x * error, w.item());
    }
  std::printf("\nw = %.4f (the data's rule is y = 2x)\n\n", w.item());
  return w.item();
}

// Part 2. The features [x] for the line, [x, x^2] for the parabola; one Dense layer each.
std::shared_ptr<data::TensorDataset> features(const Tensor& x, const Tensor& y, bool quadratic) {
  const std::int64_t n = x.size(0);
  Tensor f({n, quadratic ? 2 : 1}, DType::f32);
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x.data<float>()[i];
    f.data<float>()[i * f.size(1)] = v;
    if (quadratic) f.data<float>()[i * 2 + 1] = v * v;
  }
  return std::make_shared<data::TensorDataset>(f, y);
}

double fit_curve(const std::shared_ptr<data::TensorDataset>& data, const char* name, double lr, int steps) {
  nn::Dense model(data->x().size(1), 1);
  optim::SGD opt(model.parameters(), {.lr = lr});
  train::Trainer trainer(model, opt, loss::MSE());
  // Full-batch gradient descent: one batch of all points per epoch, so an epoch is one step.
  const auto history =
      trainer.fit(data, {.epochs = steps, .batch_size = data->size(), .shuffle = false, .verbose = 0});
  const double mse = trainer.evaluate(data, data->size()).loss;
  const Tensor& w = model.weight();
  auto term = [](double v) {  // " + 1.907" or " - 1.033"
    char buf[32];
    std::snprintf(buf, sizeof buf, " %c %.3f", v < 0 ? '-' : '+', std::abs(v));
    return std::string(buf);
  };
  if (w.size(1) == 1)
    std::printf("%-9s y = %.3f x%s", name, w.at({0, 0}), term(model.bias().item()).c_str());
  else
    std::printf("%-9s y = %.3f x^2%s x%s", name, w.at({0, 1}), term(w.at({0, 0})).c_str(),
                term(model.bias().item()).c_str());
  std::printf("   MSE %.4f (after step 1: %.4f)\n", mse, history["loss"][0]);
  return mse;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Gradient descent for regression: the lecture's one-weight walk-through (y = x * w on (2,4), (1,2),\n"
               "(3,6), lr 0.1, w from 0.5), then a line and a parabola fitted to a noisy curve."};
  int epochs = 6, steps = 2000, points = 60;
  double lr = 0.1, w0 = 0.5, curve_lr = 0.02, noise = 0.5;
  std::uint64_t seed = 0;
  const CLI::Validator positive(
      [](std::string& s) { return std::strtod(s.c_str(), nullptr) > 0 ? "" : "must be > 0, got " + s; }, "> 0");
  app.add_option("--epochs", epochs, "Passes over the three samples in part 1")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--lr", lr, "Learning rate of part 1")->capture_default_str()->check(positive);
  app.add_option("--w0", w0, "Starting weight of part 1")->capture_default_str();
  app.add_option("--steps", steps, "Gradient-descent steps of each curve fit (part 2)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--curve-lr", curve_lr, "Learning rate of the curve fits")->capture_default_str()->check(positive);
  app.add_option("--points", points, "Noisy points on the curve")->capture_default_str()->check(CLI::Range(3, 1'000'000));
  app.add_option("--noise", noise, "Standard deviation of the noise")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "Seed of the points, the noise and the weight init")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    const double w = walk_through(w0, lr, epochs);

    // y = 0.5 x^2 - x + 2 + noise, x uniform in [-3, 3].
    manual_seed(seed);
    Generator gen(seed);
    const Tensor x = uniform({points}, -3, 3, gen);
    Tensor y({points, 1}, DType::f32);
    for (std::int64_t i = 0; i < points; ++i) {
      const double v = x.data<float>()[i];
      y.data<float>()[i] = float(0.5 * v * v - v + 2 + noise * gen.normal());
    }
    std::printf("Part 2: %d points of y = 0.5 x^2 - x + 2 + noise (sd %g), x in [-3, 3]; %d full-batch steps,"
                " lr %g\n\n", points, noise, steps, curve_lr);
    const double linear = fit_curve(features(x, y, false), "line", curve_lr, steps);
    const double quadratic = fit_curve(features(x, y, true), "parabola", curve_lr, steps);
    std::printf("\nthe line cannot bend: its error is the curvature it misses; the parabola's is about the noise"
                " (%.4f)\n", noise * noise);
    std::printf("result: w = %.4f, linear MSE %.4f %s quadratic MSE %.4f\n", w, linear, linear > quadratic ? ">" : "<=",
                quadratic);
  } catch (const Error& e) {
    std::fprintf(stderr, "regression: %s\n", e.what());
    return 1;
  }
}
