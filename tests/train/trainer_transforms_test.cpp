// FitOptions::transforms: applied to every training batch, never to validation, evaluate or
// predict batches; a fit with random transforms resumed mid-epoch ends bit-identical.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

TEST(TrainTrainer, TransformsApplyToTrainingBatchesOnly) {
  const auto train_set = test::train::blobs(70, 1), val_set = test::train::blobs(30, 2);
  manual_seed(3);
  auto net = test::train::blob_model();
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto rows = std::make_shared<std::atomic<std::int64_t>>(0);
  const data::Transform count = [calls, rows](data::Batch batch, Generator&) {
    ++*calls;
    *rows += batch.x.size(0);
    return batch;
  };
  trainer.fit(train_set, {.epochs = 2, .batch_size = 16, .validation = val_set, .verbose = 0, .transforms = {count}});
  EXPECT_EQ(calls->load(), 2 * 5);  // 70 examples: 5 batches of at most 16, twice
  EXPECT_EQ(rows->load(), 2 * 70);
  trainer.evaluate(val_set);
  trainer.predict(val_set);
  EXPECT_EQ(calls->load(), 2 * 5);
}

// Thrown by a callback to interrupt a fit, like a crash would.
struct Killed {};

struct KillAt : train::Callback {
  std::int64_t at_step;
  explicit KillAt(std::int64_t step) : at_step(step) {}
  std::string name() const override { return "KillAt"; }
  void on_batch_end(train::Context& t, std::int64_t, const train::Logs&) override {
    if (t.step() == at_step) throw Killed{};
  }
};

// Trains the blob model for 2 epochs of 13 batches with noise added to every training batch,
// optionally checkpointing every 4 steps, killed at `kill_at`, or resumed from `resume`.
std::vector<std::pair<std::string, Tensor>> noisy_fit(std::uint64_t init_seed, const std::string& path,
                                                      std::int64_t kill_at = 0, bool resume = false,
                                                      bool noise = true) {
  const auto train_set = test::train::blobs(200, 5);
  manual_seed(init_seed);
  auto net = test::train::blob_model();
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  train::FitOptions options{.epochs = 2, .batch_size = 16, .seed = 8, .verbose = 0};
  if (noise) options.transforms = {data::gaussian_noise(0.5)};
  if (kill_at > 0) {
    options.callbacks = {KillAt(kill_at)};
    options.checkpoint_path = path;
    options.checkpoint_every_n_batches = 4;
  }
  if (resume) options.resume_from = path;
  trainer.fit(train_set, options);
  return test::train::weights_of(*net);
}

TEST(TrainTrainer, TransformedFitResumesBitIdentically) {
  test::train::TempDir dir;
  const std::string path = dir.path("noisy.safetensors");
  const auto expected = noisy_fit(1, path);
  EXPECT_FALSE(test::train::bit_identical(noisy_fit(1, path, 0, false, /*noise=*/false), expected))
      << "the noise should change the training";
  EXPECT_THROW(noisy_fit(1, path, /*kill_at=*/18), Killed);  // checkpoint at step 16, epoch 1
  manual_seed(999);
  EXPECT_TRUE(test::train::bit_identical(noisy_fit(7, path, 0, /*resume=*/true), expected));
}

}  // namespace
}  // namespace soma
