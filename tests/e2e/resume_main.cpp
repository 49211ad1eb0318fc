// The program behind the kill-and-resume test (tests/e2e/kill_resume.sh): trains a small
// classifier (batch norm, dropout, Adam, a StepLR schedule) on synthetic data, optionally
// writing a checkpoint every few batches and sleeping after each batch so that it can be
// killed mid-epoch, or resuming from a checkpoint; writes the final weights. Test-only.
//   soma_resume_e2e --out w.safetensors [--checkpoint c.safetensors --every 7] [--resume] [--delay-ms 20]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "soma/soma.h"

using namespace soma;

namespace {

struct Sleep : train::Callback {
  int ms;
  explicit Sleep(int delay) : ms(delay) {}
  std::string name() const override { return "Sleep"; }
  void on_batch_end(train::Context&, std::int64_t, const train::Logs&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
};

// 1000 examples of 4 Gaussian blobs in 16 dimensions.
std::shared_ptr<data::TensorDataset> blobs() {
  Generator gen(42);
  const std::int64_t n = 1000, f = 16, classes = 4;
  Tensor x({n, f}, DType::f32), y({n}, DType::i64);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto c = std::int64_t(gen.below(classes));
    y.data<std::int64_t>()[i] = c;
    for (std::int64_t j = 0; j < f; ++j) x.data<float>()[i * f + j] = float(gen.normal() + (j % classes == c));
  }
  return std::make_shared<data::TensorDataset>(x, y);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, checkpoint;
  int every = 0, delay_ms = 0, epochs = 3;
  bool resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (arg == "--out") out = value();
    else if (arg == "--checkpoint") checkpoint = value();
    else if (arg == "--every") every = std::atoi(value().c_str());
    else if (arg == "--delay-ms") delay_ms = std::atoi(value().c_str());
    else if (arg == "--epochs") epochs = std::atoi(value().c_str());
    else if (arg == "--resume") resume = true;
    else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: %s --out W [--checkpoint C --every N] [--resume] [--delay-ms D] [--epochs E]\n", argv[0]);
    return 2;
  }
  try {
    manual_seed(7);
    nn::Sequential net{nn::Dense(16, 32), nn::BatchNorm1d(32), nn::ReLU(), nn::Dropout(0.2), nn::Dense(32, 4)};
    optim::Adam opt(net.parameters(), {.lr = 3e-3});
    optim::StepLR schedule(opt, {.step_size = 1, .gamma = 0.8});
    train::Trainer trainer(net, opt, loss::CrossEntropy());
    train::FitOptions options{.epochs = epochs, .batch_size = 32, .seed = 3, .verbose = 0,
                              .checkpoint_path = checkpoint, .checkpoint_every_n_batches = every};
    options.callbacks = {train::LearningRateScheduler(schedule), Sleep(delay_ms)};
    if (resume) {
      const auto ckpt = io::load_checkpoint(checkpoint);
      std::printf("resuming at epoch %lld, batch %lld (step %lld)\n", (long long)ckpt.integer("epoch"),
                  (long long)ckpt.integer("batch"), (long long)ckpt.integer("step"));
      options.resume_from = checkpoint;
    }
    const auto history = trainer.fit(blobs(), options);
    io::save(net, out);
    std::printf("final loss %.6f, weights written to %s\n", history["loss"].back(), out.c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "soma_resume_e2e: %s\n", e.what());
    return 1;
  }
}
