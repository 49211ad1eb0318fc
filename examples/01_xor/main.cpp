// XOR: the lecture's network (2 inputs, a hidden sigmoid layer, 1 sigmoid output) trained with
// full-batch gradient descent on the cost 1/2 sum (y - y_hat)^2 over the four input pairs.
// XOR is not linearly separable, so no single neuron can learn it; one hidden layer can.
// Prints progress, the learned truth table and the final loss; draws the cost curve as a PNG.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

int main(int argc, char** argv) {
  CLI::App app{"Trains the lecture's XOR network (2 inputs, a hidden sigmoid layer, 1 sigmoid output) with\n"
               "full-batch gradient descent on 1/2 sum (y - y_hat)^2, and draws the cost curve as a PNG."};
  int steps = 10000, hidden = 5;
  double lr = 0.5;
  std::uint64_t seed = 0;
  std::string out = "xor_cost.png";
  // NOTE: CLI11's PositiveNumber names the largest double in its message; these read better.
  const CLI::Validator positive(
      [](std::string& s) { return std::strtod(s.c_str(), nullptr) > 0 ? "" : "must be > 0, got " + s; }, "> 0");
  app.add_option("--steps", steps, "Gradient-descent steps (full batch of 4)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100'000'000));
  app.add_option("--lr", lr, "Learning rate of SGD")->capture_default_str()->check(positive);
  app.add_option("--hidden", hidden, "Width of the hidden sigmoid layer")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  app.add_option("--seed", seed, "Seed of the weight initialization")->capture_default_str();
  app.add_option("--out", out, "Where to write the cost curve (PNG)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    manual_seed(seed);
    const Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
    const Tensor y = tensor({0, 1, 1, 0}, {4, 1});
    nn::Sequential net{nn::Dense(2, hidden), nn::Sigmoid(), nn::Dense(hidden, 1), nn::Sigmoid()};
    optim::SGD opt(net.parameters(), {.lr = lr});
    std::printf("network 2-%d-1 (%lld parameters), SGD lr %g, %d steps, seed %llu\n", hidden,
                static_cast<long long>(net.parameter_count()), lr, steps, static_cast<unsigned long long>(seed));

    std::vector<double> costs;
    costs.reserve(steps);
    for (int step = 0; step < steps; ++step) {
      Tensor loss = 0.5 * mse_loss(net(x), y, Reduction::sum);
      opt.zero_grad();
      loss.backward();
      opt.step();
      costs.push_back(loss.item());
      if (step % 1000 == 0) std::printf("step %6d  loss %.6f\n", step, costs.back());
    }

    NoGradGuard no_grad;
    const Tensor y_hat = net(x);
    const double final_loss = (0.5 * mse_loss(y_hat, y, Reduction::sum)).item();
    std::printf("\n  x1  x2  target  output\n");
    for (int i = 0; i < 4; ++i)
      std::printf("  %2g  %2g  %6g  %6.4f\n", x.at({i, 0}), x.at({i, 1}), y.at({i, 0}), y_hat.at({i, 0}));

    io::write_line_chart(out, {{.name = "cost", .y = costs}},
                         {.title = "XOR: cost 1/2 sum (y - y_hat)^2", .log_y = true});
    std::printf("\ncost curve written to %s\n", out.c_str());
    std::printf("final loss %.4f\n", final_loss);
  } catch (const Error& e) {
    std::fprintf(stderr, "xor: %s\n", e.what());
    return 1;
  }
}
