// Long memory: the first step of each sequence shows one of 4 symbols, the next 99 steps only
// noise symbols; at the end the network must name the first symbol (chance 1 in 4). The LSTM's
// gradient reaches the first step (its cell state passes it back through the forget gate); the
// vanilla tanh RNN's vanishes on the way (each step multiplies it by W_hh^T diag(1 - h^2)). Both
// are trained with plain SGD, which moves a weight in proportion to its gradient, so the RNN's
// weights that read step 1 do not move and it stays at chance (with Adam, which rescales every
// weight's gradient to a common size, rare bursts of gradient let the RNN learn it at some seeds:
// --optimizer adam --lr 0.005 --input-bias random, README.md). Prints both accuracies, the
// gradient norm reaching several input steps at initialization and after training, and how far
// the input weights of the class symbols moved. Results: README.md.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <random>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

// The task: `classes` symbols may open a sequence; the later steps show filler symbols, either
// `noise` symbols of their own or, with noise == 0, symbols drawn from the classes' alphabet
// (then only the position tells the first symbol from the filler). With `marker`, one more input
// is 1 at step 0 only: it says "this is the first step" without carrying the class.
struct Task {
  std::int64_t length, classes, noise;
  bool marker;
  std::int64_t inputs() const { return (noise > 0 ? classes + noise : classes) + (marker ? 1 : 0); }
};

struct Batch {
  Tensor x;  // [N, T, inputs] one-hot: step 0 one of the classes, later steps a filler symbol
  Tensor y;  // [N] the class at step 0
};

Batch make_batch(std::int64_t N, const Task& task, std::mt19937_64& rng) {
  const std::int64_t T = task.length, I = task.inputs();
  Batch b{zeros(Shape{N, T, I}), Tensor(Shape{N}, DType::i64)};
  float* x = b.x.data<float>();
  for (std::int64_t n = 0; n < N; ++n) {
    const std::int64_t c = std::int64_t(rng() % std::uint64_t(task.classes));
    b.y.data<std::int64_t>()[n] = c;
    x[(n * T) * I + c] = 1;
    if (task.marker) x[(n * T) * I + I - 1] = 1;
    for (std::int64_t t = 1; t < T; ++t) {
      const std::int64_t filler = task.noise > 0 ? task.classes + std::int64_t(rng() % std::uint64_t(task.noise))
                                                 : std::int64_t(rng() % std::uint64_t(task.classes));
      x[(n * T + t) * I + filler] = 1;
    }
  }
  return b;
}

struct Model {
  std::shared_ptr<nn::Recurrent> rec;
  nn::Dense head;
  Tensor operator()(const Tensor& x) { return head((*rec)(x)); }  // [N, T, 8] -> [N, 4] from the last step
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p = rec->parameters();
    for (const Tensor& t : head.parameters()) p.push_back(t);
    return p;
  }
};

// The steps (0-based) at which the gradient norm is shown: the first, a few in between, the last.
std::vector<std::int64_t> probe_steps(std::int64_t T) {
  std::vector<std::int64_t> steps;
  for (double f : {0.0, 0.25, 0.5, 0.75, 0.9, 1.0}) {
    const std::int64_t t = std::int64_t(std::lround(f * double(T - 1)));
    if (steps.empty() || steps.back() != t) steps.push_back(t);
  }
  return steps;
}

// Norms of d loss / d x_t at the probe steps, on one batch: how much of the loss's gradient
// reaches each step of the input.
std::vector<double> input_gradient_norms(Model& m, const Batch& b) {
  Tensor x = b.x.copy();
  x.set_requires_grad();
  cross_entropy(m(x), b.y).backward();
  const Tensor g = x.grad();
  std::vector<double> norms;
  for (std::int64_t t : probe_steps(g.size(1))) {
    const Tensor gt = slice(g, 1, t, t + 1).to(DType::f64);  // squares below 1e-38 would vanish in float32
    norms.push_back(std::sqrt(sum(gt * gt).item()));
  }
  for (Tensor p : m.parameters()) p.zero_grad();
  return norms;
}

std::string format_norms(const std::vector<double>& norms) {
  std::string s;
  char buf[32];
  for (double v : norms) {
    std::snprintf(buf, sizeof buf, " %10.2e", v);
    s += buf;
  }
  return s;
}

double accuracy(Model& m, const Batch& b) {
  NoGradGuard no_grad;
  const Tensor pred = argmax(m(b.x), 1);
  std::int64_t right = 0;
  for (std::int64_t n = 0; n < b.y.numel(); ++n)
    right += pred.data<std::int64_t>()[n] == b.y.data<std::int64_t>()[n];
  return double(right) / double(b.y.numel());
}

// How the models are trained (the same for both).
struct Training {
  std::string optimizer;  // "sgd" or "adam"
  double lr, momentum, clip;
  int steps;
  std::int64_t batch;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const Training& tr, const std::vector<Tensor>& params) {
  if (tr.optimizer == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = tr.lr});
  return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = tr.lr, .momentum = tr.momentum});
}

// The LSTM's gate biases at the start (PyTorch's gate order i, f, g, o; set in b_ih, b_hh keeps
// its random start).
struct GateBias {
  double forget, input;  // input: NaN leaves PyTorch's random start
};

double run(const char* kind, const Task& task, const Training& tr, int hidden, GateBias bias, std::uint64_t seed,
           const Batch& test_set, const Batch& probe) {
  const int steps = tr.steps;
  const std::int64_t batch = tr.batch;
  Generator gen(seed);
  const nn::RecurrentOptions o{.input_size = task.inputs(), .hidden_size = hidden, .return_sequences = false};
  Model m{std::string(kind) == "LSTM" ? std::shared_ptr<nn::Recurrent>(std::make_shared<nn::LSTM>(o, gen))
                                      : std::shared_ptr<nn::Recurrent>(std::make_shared<nn::RNN>(o, gen)),
          nn::Dense(hidden, task.classes, gen)};
  if (std::string(kind) == "LSTM") {
    // The forget gate's bias (rows H..2H-1 of b_ih, gate order i, f, g, o) starts at
    // `forget_bias` (Keras' unit_forget_bias uses 1): f = sigma(b) near 1 keeps c_t, so the
    // first step's signal survives the 99 steps from the start of training.
    const Tensor& b = m.rec->weights(0).b_ih;
    for (int j = hidden; j < 2 * hidden; ++j) b.data<float>()[j] = float(bias.forget);
    // A negative input-gate bias (rows 0..H-1) keeps the noise steps from filling the cell: with
    // i = sigma(0) = 0.5 each of the 99 noise steps adds to c, |c_T| grows to ~10, tanh(c_T)
    // saturates and no gradient gets back in; Hochreiter & Schmidhuber (1997) start it negative
    // for the same reason. Learned away from the class symbols where it hurts.
    if (!std::isnan(bias.input))
      for (int j = 0; j < hidden; ++j) b.data<float>()[j] = float(bias.input);
  }
  const std::vector<double> before = input_gradient_norms(m, probe);
  const Tensor w_ih_start = m.rec->weights(0).w_ih.copy();  // [G*H, inputs]
  const std::unique_ptr<optim::Optimizer> opt = make_optimizer(tr, m.parameters());
  std::mt19937_64 rng(seed + 1);
  const auto start = std::chrono::steady_clock::now();
  double recent = 0, class_grad = 0;  // the largest gradient of a class symbol's input weight since the last line
  for (int step = 1; step <= steps; ++step) {
    const Batch b = make_batch(batch, task, rng);
    Tensor loss = cross_entropy(m(b.x), b.y);
    opt->zero_grad();
    loss.backward();
    class_grad = std::max(class_grad, max(abs(slice(m.rec->weights(0).w_ih.grad(), 1, 0, task.classes))).item());
    optim::clip_grad_norm(m.parameters(), tr.clip);
    opt->step();
    recent = step == 1 ? loss.item() : 0.9 * recent + 0.1 * loss.item();
    if (step % std::max(1, steps / 10) == 0) {
      NoGradGuard no_grad;
      const double moved = max(abs(slice(m.rec->weights(0).w_ih - w_ih_start, 1, 0, task.classes))).item();
      std::printf("  %s step %5d  loss %.4f  class weights moved %.3g, largest gradient %.2e\n", kind, step, recent, moved,
                  class_grad);
      class_grad = 0;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<double> after = input_gradient_norms(m, probe);
  const double acc = accuracy(m, test_set);
  // How far training moved the input weights that read the class symbols (columns 0..classes-1)
  // and those of the filler-only inputs: with own noise symbols the class columns get gradient
  // only through step 1.
  Tensor moved;
  {
    NoGradGuard no_grad;
    moved = abs(m.rec->weights(0).w_ih - w_ih_start);
  }
  const double moved_class = max(slice(moved, 1, 0, task.classes)).item();
  char moved_filler[32] = "-";
  if (task.noise > 0)
    std::snprintf(moved_filler, sizeof moved_filler, "%.3g", max(slice(moved, 1, task.classes, task.classes + task.noise)).item());
  std::printf("%s(%d): %d steps of %lld sequences in %.1f s; test accuracy %.3f\n", kind, hidden, steps,
              (long long)batch, seconds, acc);
  std::printf("  largest change of an input weight: from a class symbol %.3g, from a noise symbol %s\n", moved_class,
              moved_filler);
  std::string header;
  for (std::int64_t t : probe_steps(task.length)) header += std::string(11 - std::to_string(t + 1).size() - 5, ' ') + "step " + std::to_string(t + 1);
  std::printf("  |d loss / d x_t|      %s\n  at initialization:    %s\n  after training:       %s\n\n",
              header.c_str(), format_norms(before).c_str(), format_norms(after).c_str());
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Recall the first of 100 symbols with an LSTM and a vanilla RNN, and show the gradient reaching\n"
               "each step (it vanishes through the RNN's steps)."};
  std::int64_t length = 100, batch = 32, classes = 4, noise = 4;
  bool marker = false;
  int steps = 4000, hidden = 32;
  std::string optimizer = "sgd", models = "LSTM,RNN", input_bias = "-3";
  double lr = 1, momentum = 0, clip = 1, forget_bias = 5;
  std::uint64_t seed = 0;
  app.add_option("--length", length, "Steps per sequence (the first holds the symbol)")->capture_default_str()->check(CLI::Range(2, 100000));
  app.add_option("--classes", classes, "Symbols that may open a sequence (chance is 1 / classes)")->capture_default_str()->check(CLI::Range(2, 100000));
  app.add_option("--noise", noise, "Filler symbols of their own; 0: filler drawn from the classes")->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_flag("--marker", marker, "One more input, 1 at the first step only");
  app.add_option("--steps", steps, "Training steps per model")->capture_default_str()->check(CLI::Range(0, 10000000));
  app.add_option("--batch", batch, "Sequences per step")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--hidden", hidden, "Hidden units")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--optimizer", optimizer, "sgd or adam (the same for both models)")->capture_default_str()->check(CLI::IsMember({"sgd", "adam"}));
  app.add_option("--lr", lr, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--momentum", momentum, "SGD's momentum")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--clip", clip, "Gradients clipped to this joint norm before each step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--forget-bias", forget_bias, "Initial bias of the LSTM's forget gate")->capture_default_str();
  app.add_option("--input-bias", input_bias, "Initial bias of the LSTM's input gate; random: PyTorch's start")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the initialization and the data")->capture_default_str();
  app.add_option("--models", models, "Which models to train: LSTM,RNN, LSTM or RNN")->capture_default_str()->check(CLI::IsMember({"LSTM,RNN", "LSTM", "RNN"}));
  CLI11_PARSE(app, argc, argv);
  double input_gate_bias = std::nan("");
  if (input_bias != "random") {
    std::size_t used = 0;
    try {
      input_gate_bias = std::stod(input_bias, &used);
    } catch (const std::exception&) {
    }
    if (used != input_bias.size() || std::isnan(input_gate_bias)) {
      std::fprintf(stderr, "long_memory: --input-bias: expected a number or 'random', got '%s'\n", input_bias.c_str());
      return 1;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once in a log
  std::printf("%s\n\n", app.get_description().c_str());
  try {
    std::mt19937_64 rng(1000 + seed);
    const Task task{length, classes, noise, marker};
    const Batch test_set = make_batch(1000, task, rng), probe = make_batch(256, task, rng);
    const double chance = 1.0 / double(classes);
    std::printf("task: %lld steps, %lld classes at step 1%s, then %s; chance accuracy %.3f\n\n", (long long)length,
                (long long)classes, marker ? " with a start marker" : "", noise > 0 ? (std::to_string(noise) + " noise symbols").c_str() : "filler from the same symbols",
                chance);
    const Training tr{optimizer, lr, momentum, clip, steps, batch};
    char with_momentum[32] = "";
    if (optimizer == "sgd" && momentum > 0) std::snprintf(with_momentum, sizeof with_momentum, ", momentum %g", momentum);
    std::printf("training: %s, learning rate %g%s, gradients clipped to norm %g, %d steps of %lld sequences\n",
                optimizer == "sgd" ? "SGD" : "Adam", lr, with_momentum, clip, steps, (long long)batch);
    char input_start[32] = "PyTorch's random start";
    if (!std::isnan(input_gate_bias)) std::snprintf(input_start, sizeof input_start, "%g", input_gate_bias);
    std::printf("LSTM gate biases at the start: forget %g, input %s\n\n", forget_bias, input_start);
    std::string result = "result:";
    for (const char* kind : {"LSTM", "RNN"}) {
      if (models.find(kind) == std::string::npos) continue;
      const double acc = run(kind, task, tr, hidden, GateBias{forget_bias, input_gate_bias}, seed, test_set, probe);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s %s accuracy %.3f", result == "result:" ? "" : ",", kind, acc);
      result += buf;
    }
    std::printf("%s (chance %.3f)\n", result.c_str(), chance);
  } catch (const Error& e) {
    std::fprintf(stderr, "long_memory: %s\n", e.what());
    return 1;
  }
}
