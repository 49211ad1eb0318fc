// Exact resume (Trainer checkpoints): a fit interrupted mid-epoch or between epochs and
// resumed by freshly built objects ends with weights bit-identical to an uninterrupted fit,
// and with the same History. The model has dropout (its own generator, checkpointed) and batch norm
// (buffers); Adam (moments, step count), a StepLR schedule and EarlyStopping carry state.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

// Thrown by Kill to interrupt a fit, like a crash would.
struct Killed {};

struct Kill : train::Callback {
  std::int64_t at_step;
  explicit Kill(std::int64_t step) : at_step(step) {}
  std::string name() const override { return "Kill"; }
  void on_batch_end(train::Context& t, std::int64_t, const train::Logs&) override {
    if (t.step() == at_step) throw Killed{};
  }
};

// Everything a run needs, built from scratch; `init_seed` seeds the weight init, so a resumed
// run starting from other weights shows that the checkpoint restores them.
struct Experiment {
  std::shared_ptr<data::TensorDataset> train_set = test::train::blobs(200, 31);
  std::shared_ptr<data::TensorDataset> val_set = test::train::blobs(40, 32);
  nn::Sequential net;
  std::unique_ptr<optim::Adam> opt;
  std::unique_ptr<optim::StepLR> schedule;
  std::unique_ptr<train::Trainer> trainer;

  explicit Experiment(std::uint64_t init_seed, bool amsgrad = false) {
    manual_seed(init_seed);
    net.push_back(nn::Dense(4, 16));
    net.push_back(nn::BatchNorm1d(16));
    net.push_back(nn::ReLU());
    net.push_back(nn::Dropout(0.3));
    net.push_back(nn::Dense(16, 3));
    opt = std::make_unique<optim::Adam>(net.parameters(), optim::AdamOptions{.lr = 0.01, .amsgrad = amsgrad});
    schedule = std::make_unique<optim::StepLR>(*opt, optim::StepLROptions{.step_size = 1, .gamma = 0.7});
    trainer = std::make_unique<train::Trainer>(net, *opt, loss::CrossEntropy());
  }

  // 3 epochs of 13 batches (200 = 12 * 16 + 8), shuffled with seed 5.
  train::FitOptions options(std::vector<train::CallbackHandle> extra = {}) {
    train::FitOptions o{.epochs = 3, .batch_size = 16, .validation = val_set, .seed = 5, .verbose = 0};
    o.callbacks = {train::LearningRateScheduler(*schedule),
                   train::EarlyStopping({.patience = 5, .restore_best_weights = true})};
    for (auto& c : extra) o.callbacks.push_back(c);
    return o;
  }
};

void expect_same_history(const train::History& a, const train::History& b) {
  EXPECT_EQ(a.epochs(), b.epochs());
  ASSERT_EQ(a.values().size(), b.values().size());
  for (const auto& [name, series] : a.values()) EXPECT_EQ(series, b[name]) << name;
}

TEST(TrainResume, MidEpochCheckpointContinuesBitIdentically) {
  test::train::TempDir dir;
  const std::string path = dir.path("ckpt.safetensors");

  Experiment reference(1);
  const auto expected_history = reference.trainer->fit(reference.train_set, reference.options());
  const auto expected = test::train::weights_of(reference.net);

  {
    Experiment interrupted(1);
    auto options = interrupted.options({Kill(22)});
    options.checkpoint_path = path;
    options.checkpoint_every_n_batches = 5;
    EXPECT_THROW(interrupted.trainer->fit(interrupted.train_set, options), Killed);
  }
  const auto ckpt = io::load_checkpoint(path);
  EXPECT_EQ(ckpt.integer("step"), 20);
  EXPECT_EQ(ckpt.integer("epoch"), 1);
  EXPECT_EQ(ckpt.integer("batch"), 7);  // mid-epoch: 13 + 7 = 20

  manual_seed(12345);  // the default generator moves on, as in a new process
  Experiment resumed(777);    // other initial weights
  const auto history = resumed.trainer->resume(path, resumed.train_set, resumed.options());
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(resumed.net), expected));
  expect_same_history(history, expected_history);
  EXPECT_EQ(resumed.opt->steps(), reference.opt->steps());
  EXPECT_EQ(resumed.opt->lr(), reference.opt->lr());
  EXPECT_EQ(resumed.trainer->step(), 39);
}

TEST(TrainResume, EpochEndCheckpointContinuesBitIdentically) {
  test::train::TempDir dir;
  const std::string path = dir.path("epoch.safetensors");

  Experiment reference(2);
  auto ref_options = reference.options();
  const auto expected_history = reference.trainer->fit(reference.train_set, ref_options);
  const auto expected = test::train::weights_of(reference.net);

  {
    Experiment interrupted(2);
    // Saved after epoch 0; killed 3 batches into epoch 1.
    auto options = interrupted.options({train::ModelCheckpoint({.path = path}), Kill(16)});
    EXPECT_THROW(interrupted.trainer->fit(interrupted.train_set, options), Killed);
  }
  EXPECT_EQ(io::load_checkpoint(path).integer("epoch"), 1);
  EXPECT_EQ(io::load_checkpoint(path).integer("batch"), 0);

  Experiment resumed(3);
  auto options = resumed.options({train::ModelCheckpoint({.path = path})});
  options.resume_from = path;
  const auto history = resumed.trainer->fit(resumed.train_set, options);
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(resumed.net), expected));
  expect_same_history(history, expected_history);
}

// The 1cycle schedule's step comes back with the checkpoint, and with it the momentum it had set
// (Adam's beta1), which the optimizer's own state does not hold.
TEST(TrainResume, OneCycleMidEpochContinuesBitIdentically) {
  test::train::TempDir dir;
  const std::string path = dir.path("cycle.safetensors");
  auto options = [](Experiment& e, std::vector<train::CallbackHandle> extra) {
    train::FitOptions o{.epochs = 3, .batch_size = 16, .validation = e.val_set, .seed = 5, .verbose = 0};
    o.callbacks = {train::OneCycleLR({.max_lr = 0.02})};
    for (auto& c : extra) o.callbacks.push_back(c);
    return o;
  };
  Experiment reference(4);
  const auto expected_history = reference.trainer->fit(reference.train_set, options(reference, {}));
  const auto expected = test::train::weights_of(reference.net);
  {
    Experiment interrupted(4);
    auto o = options(interrupted, {Kill(22)});
    o.checkpoint_path = path;
    o.checkpoint_every_n_batches = 5;
    EXPECT_THROW(interrupted.trainer->fit(interrupted.train_set, o), Killed);
  }
  Experiment resumed(9);
  const auto history = resumed.trainer->resume(path, resumed.train_set, options(resumed, {}));
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(resumed.net), expected));
  expect_same_history(history, expected_history);
  EXPECT_EQ(resumed.opt->lr(), reference.opt->lr());
  EXPECT_EQ(*resumed.opt->momentum(), *reference.opt->momentum());
}

TEST(TrainResume, RefusesACheckpointThatDoesNotFit) {
  test::train::TempDir dir;
  const std::string path = dir.path("ckpt.safetensors");
  {
    Experiment run(4);
    auto options = run.options();
    options.epochs = 1;
    options.checkpoint_path = path;
    options.checkpoint_every_n_batches = 4;
    run.trainer->fit(run.train_set, options);
  }
  Experiment other(4);
  auto options = other.options();
  options.resume_from = path;
  options.batch_size = 8;
  EXPECT_TRUE(test::throws_error_with([&] { other.trainer->fit(other.train_set, options); }, {"batch_size 16", "8"}));

  options = other.options();
  options.resume_from = path;
  options.callbacks = {train::EarlyStopping(), train::LearningRateScheduler(*other.schedule)};
  EXPECT_TRUE(test::throws_error_with([&] { other.trainer->fit(other.train_set, options); },
                                      {"EarlyStopping", "LearningRateScheduler", "same order"}));

  // The model loads, then the optimizer's state does not fit (AMSGrad has another slot): the
  // model is put back as it was.
  Experiment amsgrad(5, true);
  const auto before = test::train::weights_of(amsgrad.net);
  options = amsgrad.options();
  options.resume_from = path;
  EXPECT_TRUE(test::throws_error_with([&] { amsgrad.trainer->fit(amsgrad.train_set, options); }, {"max_exp_avg_sq"}));
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(amsgrad.net), before));

  nn::Sequential wider{nn::Dense(4, 32), nn::ReLU(), nn::Dense(32, 3)};
  optim::Adam adam(wider.parameters());
  train::Trainer trainer(wider, adam, loss::CrossEntropy());
  EXPECT_TRUE(test::throws_error_with([&] { trainer.resume(path, other.train_set, {.batch_size = 16, .verbose = 0}); },
                                      {"layers."}));
}

}  // namespace
}  // namespace soma
