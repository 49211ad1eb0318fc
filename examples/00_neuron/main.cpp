// Neuron: one artificial neuron h(b + x.w) on the lecture's numbers with three choices of h
// (sigmoid, step, ReLU), then a 3-input neuron whose decision boundary is a plane, evaluated
// on the corners of the unit cube. Nothing is learned here; 01_xor trains a network.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <soma/soma.h>
#include <vector>

using namespace soma;

namespace {

// The 2-input neuron: weight [1, 2] (one output, two inputs, laid out as nn::Dense stores it).
double two_input_neuron() {
  const Tensor w = tensor({{4, -7}});
  const Tensor b = tensor({1});
  const Tensor x = tensor({{-4, 6}});  // one sample: [N = 1, 2]
  const Tensor z = linear(x, w, b);    // b + x w^T, shape [1, 1]

  std::printf("A neuron with 2 inputs: b = %g, w = [%g, %g], x = [%g, %g]\n", b.at({0}), w.at({0, 0}),
              w.at({0, 1}), x.at({0, 0}), x.at({0, 1}));
  std::printf("  z = b + x.w = %g + (%g)(%g) + (%g)(%g) = %g\n", b.at({0}), x.at({0, 0}), w.at({0, 0}),
              x.at({0, 1}), w.at({0, 1}), z.item());
  std::printf("  sigmoid(z) = 1 / (1 + e^-z) = %.3g\n", sigmoid(z).item());
  std::printf("  step(z)    = [z >= 0]       = %g\n", threshold(z).item());
  std::printf("  relu(z)    = max(z, 0)      = %g\n", relu(z).item());
  // The slide's arithmetic is wrong twice (examples/README.md, errata); soma's values stand.
  const Tensor slide_z = tensor({-25});
  std::printf("  erratum: the slide gives z = -25 (it is 1 - 16 - 42 = %g) and h(-25) about 1.38; sigmoid(-25) is "
              "%.3g (the slide dropped the exponent e-11)\n\n",
              z.item(), sigmoid(slide_z).item());
  return z.item();
}

// The 3-input neuron: its boundary b + x.w = 0 is the plane x1 + x2 + x3 = 1.5, which puts
// the corners with two or more inputs on one side: the neuron computes "majority of three".
int plane_neuron() {
  const Tensor w = tensor({{1, 1, 1}});
  const Tensor b = tensor({-1.5});
  std::vector<double> corners;
  for (int i = 0; i < 8; ++i)
    for (int bit = 2; bit >= 0; --bit) corners.push_back((i >> bit) & 1);
  const Tensor x = from_data(corners, {8, 3});
  const Tensor z = linear(x, w, b);  // [8, 1]
  const Tensor p = sigmoid(z), side = threshold(z);

  std::printf("A neuron with 3 inputs: w = [1, 1, 1], b = -1.5; its boundary b + x.w = 0 is the plane\n"
              "x1 + x2 + x3 = 1.5. The 8 corners of the unit cube:\n");
  std::printf("  x1 x2 x3      z  sigmoid  step  side\n");
  for (int i = 0; i < 8; ++i)
    std::printf("   %g  %g  %g  %5.1f   %6.3f  %4g  %s\n", x.at({i, 0}), x.at({i, 1}), x.at({i, 2}), z.at({i, 0}),
                p.at({i, 0}), side.at({i, 0}), side.at({i, 0}) > 0 ? "positive" : "negative");
  const int positive = int(sum(side).item());
  std::printf("%d of 8 corners lie on the positive side: those with at least two inputs on.\n\n", positive);
  return positive;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"One artificial neuron h(b + x.w): the lecture's 2-input example with sigmoid, step and ReLU,\n"
               "then a 3-input neuron whose decision boundary is a plane, on the corners of the unit cube."};
  int steps = 0;
  app.add_option("--steps", steps, "Accepted like every example's; nothing is trained here, so it changes nothing");
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  const double z = two_input_neuron();
  const int positive = plane_neuron();
  std::printf("result: z = %g, sigmoid %.3g, step %g, relu %g; %d of 8 corners on the positive side\n", z,
              sigmoid(scalar(z)).item(), threshold(scalar(z)).item(), relu(scalar(z)).item(), positive);
}
