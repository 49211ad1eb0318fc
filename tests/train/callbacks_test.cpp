// Callbacks (train/early_stopping.h, csv_logger.h, model_checkpoint.h, lr_schedule.h, lambda_callback.h,
// progress_bar.h) inside real fits. A Script callback placed first overwrites the monitored
// value with a chosen sequence, so each rule is checked against epochs counted by hand.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "ops/op_test_util.h"
#include "soma/io/weights.h"
#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

using test::train::blob_model;
using test::train::blobs;

// Sets logs[name] to values[epoch] at each epoch end, and keeps the weights of every epoch.
struct Script : train::Callback {
  std::string key;
  std::vector<double> values;
  std::shared_ptr<std::vector<std::vector<std::pair<std::string, Tensor>>>> weights =
      std::make_shared<std::vector<std::vector<std::pair<std::string, Tensor>>>>();
  Script(std::string k, std::vector<double> v) : key(std::move(k)), values(std::move(v)) {}
  std::string name() const override { return "Script"; }
  void on_epoch_end(train::Context& t, std::int64_t epoch, train::Logs& logs) override {
    logs[key] = values.at(epoch);
    weights->push_back(test::train::weights_of(t.model()));
  }
};

struct Fixture {
  std::shared_ptr<data::TensorDataset> data = blobs(64, 11);
  std::unique_ptr<nn::Sequential> net;
  std::unique_ptr<optim::SGD> opt;
  std::unique_ptr<train::Trainer> trainer;
  explicit Fixture(double lr = 0.1) {
    manual_seed(21);
    net = blob_model();
    opt = std::make_unique<optim::SGD>(net->parameters(), optim::SGDOptions{.lr = lr});
    trainer = std::make_unique<train::Trainer>(*net, *opt, loss::CrossEntropy());
  }
  train::History fit(std::int64_t epochs, std::vector<train::CallbackHandle> callbacks) {
    return trainer->fit(data, {.epochs = epochs, .batch_size = 16, .callbacks = std::move(callbacks), .verbose = 0});
  }
  train::History fit_observed(std::int64_t epochs, std::shared_ptr<train::Sink> sink) {
    return trainer->fit(data, {.epochs = epochs, .batch_size = 16, .sinks = {std::move(sink)}, .verbose = 0});
  }
};

std::int64_t epochs_run(const std::vector<double>& values, train::EarlyStoppingOptions options) {
  Fixture f;
  return f.fit(std::int64_t(values.size()), {Script("val_loss", values), train::EarlyStopping(options)}).size();
}

TEST(TrainEarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  // Best at epoch 1; epochs 2 and 3 are worse: with patience 2 the fit stops after epoch 3.
  Fixture f;
  auto stop = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{.patience = 2});
  const auto h = f.fit(6, {Script("val_loss", {1.0, 0.9, 0.95, 0.96, 0.5, 0.4}), stop});
  EXPECT_EQ(h.size(), 4);
  EXPECT_EQ(stop->stopped_epoch(), 3);
  EXPECT_EQ(stop->best_epoch(), 1);
  EXPECT_DOUBLE_EQ(stop->best(), 0.9);

  EXPECT_EQ(epochs_run({1.0, 1.1, 0.5}, {.patience = 0}), 2);               // the first non-improvement stops
  EXPECT_EQ(epochs_run({1.0, 0.9, 0.8, 0.7}, {.patience = 0}), 4);          // always improving
  EXPECT_EQ(epochs_run({1.0, 0.99, 0.985, 0.5}, {.min_delta = 0.02, .patience = 1}), 2);  // too small to count
  EXPECT_EQ(epochs_run({1.0, 0.99, 0.98, 0.5}, {.min_delta = -0.005, .patience = 1}), 4);  // sign ignored
  // Improving, but never past the baseline: improvements return before the stop test (Keras).
  EXPECT_EQ(epochs_run({0.8, 0.9, 0.9, 0.9}, {.patience = 2, .baseline = 0.5}), 2);
  // A monitor that is never logged never stops training.
  EXPECT_EQ(epochs_run({1.0, 2.0, 3.0}, {.monitor = "val_nothing"}), 3);
}

TEST(TrainEarlyStopping, AccuracyIsMaximized) {
  Fixture f;
  const auto h = f.fit(5, {Script("val_accuracy", {0.5, 0.7, 0.6, 0.65, 0.9}),
                           train::EarlyStopping({.monitor = "val_accuracy", .patience = 2})});
  EXPECT_EQ(h.size(), 4);
  Fixture g;
  const auto h2 = g.fit(3, {Script("val_loss", {0.5, 0.7, 0.9}),
                            train::EarlyStopping({.monitor = "val_loss", .mode = train::MonitorMode::max})});
  EXPECT_EQ(h2.size(), 3);
}

TEST(TrainEarlyStopping, RestoresTheBestWeights) {
  Fixture f;
  Script script("val_loss", {1.0, 0.5, 0.7, 0.8, 0.9});
  const auto weights = script.weights;
  f.fit(5, {script, train::EarlyStopping({.patience = 2, .restore_best_weights = true})});
  ASSERT_EQ(weights->size(), 4u);  // stopped after epoch 3
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(*f.net), (*weights)[1]));
  EXPECT_FALSE(test::train::bit_identical(test::train::weights_of(*f.net), (*weights)[3]));

  Fixture g;  // without restoring, the last weights stay
  Script again("val_loss", {1.0, 0.5, 0.7, 0.8, 0.9});
  const auto last = again.weights;
  g.fit(5, {again, train::EarlyStopping({.patience = 2})});
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(*g.net), last->back()));

  // Restoring happens at the end of training even without an early stop (Keras 3).
  Fixture h;
  Script full("val_loss", {1.0, 0.5, 0.7});
  const auto all = full.weights;
  h.fit(3, {full, train::EarlyStopping({.patience = 5, .restore_best_weights = true})});
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(*h.net), (*all)[1]));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TrainCSVLogger, WritesOneRowPerEpoch) {
  test::train::TempDir dir;
  Fixture f;
  const std::string path = dir.path("metrics.csv");
  const auto h = f.trainer->fit(f.data, {.epochs = 3, .batch_size = 16, .validation = blobs(20, 12),
                                         .callbacks = {train::CSVLogger(path)}, .verbose = 0});
  std::istringstream csv(read_file(path));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "epoch,loss,accuracy,val_loss,val_accuracy,lr");
  for (int e = 0; e < 3; ++e) {
    ASSERT_TRUE(std::getline(csv, line));
    std::istringstream row(line);
    std::string cell;
    std::getline(row, cell, ',');
    EXPECT_EQ(cell, std::to_string(e));
    for (const char* name : {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}) {
      std::getline(row, cell, ',');
      EXPECT_EQ(std::strtod(cell.c_str(), nullptr), h[name][e]) << name << " epoch " << e;  // exact round trip
    }
  }
  EXPECT_FALSE(std::getline(csv, line));
}

TEST(TrainCSVLogger, MarksMissingValues) {
  test::train::TempDir dir;
  Fixture f;
  const std::string path = dir.path("log.csv");
  struct Sometimes : train::Callback {
    std::string name() const override { return "Sometimes"; }
    void on_epoch_end(train::Context&, std::int64_t e, train::Logs& logs) override {
      if (e == 1) logs["extra"] = 0.25;
    }
  };
  f.fit(2, {Sometimes(), train::CSVLogger(path)});
  std::istringstream csv(read_file(path));
  std::string header, row0, row1;
  std::getline(csv, header);
  std::getline(csv, row0);
  std::getline(csv, row1);
  EXPECT_EQ(header, "epoch,loss,accuracy,lr,extra");
  EXPECT_TRUE(row0.ends_with(",0.1,NA")) << row0;
  EXPECT_TRUE(row1.ends_with(",0.1,0.25")) << row1;
}

TEST(TrainModelCheckpoint, SavesOnImprovementOnly) {
  test::train::TempDir dir;
  Fixture f;
  Script script("val_loss", {1.0, 0.5, 0.7, 0.4});
  const auto weights = script.weights;
  auto saver = std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions{
      .path = dir.path("best-{epoch}.safetensors"), .save_best_only = true, .weights_only = true});
  f.fit(4, {script, saver});
  for (int epoch : {1, 2, 4}) EXPECT_TRUE(std::ifstream(dir.path("best-" + std::to_string(epoch) + ".safetensors")).good());
  EXPECT_FALSE(std::ifstream(dir.path("best-3.safetensors")).good());
  EXPECT_EQ(saver->last_path(), dir.path("best-4.safetensors"));
  EXPECT_DOUBLE_EQ(saver->best(), 0.4);

  manual_seed(99);
  auto fresh = blob_model();
  io::load(*fresh, dir.path("best-2.safetensors"));
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(*fresh), (*weights)[1]));
}

TEST(TrainModelCheckpoint, WritesFullCheckpointsEveryNEpochs) {
  test::train::TempDir dir;
  Fixture f;
  const std::string path = dir.path("ckpt.safetensors");
  f.fit(4, {train::ModelCheckpoint({.path = path, .every_n_epochs = 2})});
  const auto ckpt = io::load_checkpoint(path);
  EXPECT_EQ(ckpt.integer("epoch"), 4);  // written after epoch 3 (0-based): resumes at epoch 4
  EXPECT_EQ(ckpt.integer("batch"), 0);
  EXPECT_EQ(ckpt.integer("step"), 16);
  EXPECT_TRUE(ckpt.has("model"));
  EXPECT_TRUE(ckpt.has("optimizer"));
  EXPECT_TRUE(test::throws_error_with([] { train::ModelCheckpoint({.path = ""}); }, {"path"}));
  EXPECT_TRUE(test::throws_error_with([&] { train::ModelCheckpoint({.path = path, .every_n_epochs = 0}); },
                                      {"every_n_epochs"}));
}

TEST(TrainLRSchedule, StepsAScheduleEveryEpoch) {
  Fixture f(0.1);
  optim::StepLR schedule(*f.opt, {.step_size = 2, .gamma = 0.5});
  const auto h = f.fit(5, {train::LearningRateScheduler(schedule)});
  EXPECT_EQ(h["lr"], (std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025}));
  EXPECT_DOUBLE_EQ(f.opt->lr(), 0.025);  // stepped into epoch 5
}

TEST(TrainLRSchedule, ReducesOnPlateau) {
  // PyTorch's counting with patience 1: the lr drops once 2 epochs in a row were not better.
  Fixture f(0.1);
  const auto h = f.fit(6, {Script("val_loss", {1, 1, 1, 1, 1, 1}),
                           train::ReduceLROnPlateau({.factor = 0.5, .patience = 1})});
  EXPECT_EQ(h["lr"], (std::vector<double>{0.1, 0.1, 0.1, 0.05, 0.05, 0.025}));
}

// Stepped after every batch, over the fit's epochs x batches unless told otherwise.
TEST(TrainOneCycleLR, CyclesOverTheWholeFit) {
  Fixture f(0.1);
  auto cycle = std::make_shared<train::OneCycleLR>(optim::OneCycleLROptions{.max_lr = 0.4, .cycle_momentum = false});
  const auto h = f.fit(2, {cycle});
  ASSERT_TRUE(cycle->schedule());
  EXPECT_EQ(cycle->schedule()->options().total_steps, 2 * 4);  // 64 examples in batches of 16
  EXPECT_EQ(cycle->schedule()->last_epoch(), 8);
  ASSERT_EQ(h["lr"].size(), 2u);
  EXPECT_DOUBLE_EQ(h["lr"][0], 0.4 / 25);  // the lr each epoch started with
  EXPECT_GT(h["lr"][1], h["lr"][0]);
  EXPECT_DOUBLE_EQ(f.opt->lr(), 0.4 / 25 / 1e4);
  try {
    f.fit(1, {train::OneCycleLR({.max_lr = 0.4})});
    ADD_FAILURE() << "expected an error: SGD without momentum has none to cycle";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OneCycleLR: cycle_momentum needs an optimizer with a momentum"),
              std::string::npos)
        << e.what();
  }
}

TEST(TrainLambdaCallback, CallsEachFunctionWhereItsHookIs) {
  Fixture f;
  std::vector<std::string> calls;
  std::int64_t batches = 0;
  train::LambdaCallback callback({
      .on_train_begin = [&](train::Context&) { calls.push_back("begin"); },
      .on_train_end = [&](train::Context&) { calls.push_back("end"); },
      .on_epoch_begin = [&](train::Context&, std::int64_t epoch) { calls.push_back("epoch " + std::to_string(epoch)); },
      .on_epoch_end =
          [&](train::Context&, std::int64_t epoch, train::Logs& logs) {
            calls.push_back("epoch end " + std::to_string(epoch));
            logs["twice_loss"] = 2 * logs.at("loss");
          },
      .on_batch_end = [&](train::Context&, std::int64_t, const train::Logs&) { ++batches; },
  });
  const train::History history = f.fit(2, {callback});
  EXPECT_EQ(calls, (std::vector<std::string>{"begin", "epoch 0", "epoch end 0", "epoch 1", "epoch end 1", "end"}));
  EXPECT_EQ(batches, 2 * 4);  // 64 examples in batches of 16
  ASSERT_EQ(history.size(), 2);
  EXPECT_EQ(history["twice_loss"][1], 2 * history["loss"][1]);  // what it adds reaches the History
}

TEST(TrainLambdaCallback, RejectsNoFunctions) {
  EXPECT_TRUE(test::throws_error_with([] { train::LambdaCallback callback({}); }, {"LambdaCallback", "at least one"}));
}

TEST(TrainProgressBar, OneLinePerEpochWhenNotATerminal) {
  Fixture f;
  std::ostringstream out;
  f.fit_observed(2, std::make_shared<train::ProgressBar>(train::ProgressBarOptions{.out = &out}));
  const std::string text = out.str();
  std::istringstream lines(text);
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, third));
  EXPECT_TRUE(first.starts_with("Epoch 1/2 - 4/4 - ")) << first;
  EXPECT_TRUE(second.starts_with("Epoch 2/2 - 4/4 - ")) << second;
  EXPECT_NE(first.find("/step - loss: "), std::string::npos) << first;
  EXPECT_NE(first.find(" - accuracy: "), std::string::npos) << first;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(first.find("lr"), std::string::npos);
}

TEST(TrainProgressBar, RedrawsOneLineOnATerminal) {
  Fixture f;
  std::ostringstream out;
  f.fit_observed(1, std::make_shared<train::ProgressBar>(
                        train::ProgressBarOptions{.out = &out, .interactive = true, .redraw_interval = 0}));
  const std::string text = out.str();
  EXPECT_TRUE(text.starts_with("Epoch 1/1\n\r1/4 [======>.......................] - ETA: ")) << text;
  EXPECT_NE(text.find("\r4/4 [==============================] - "), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(TrainProgressBar, Formats) {
  using train::ProgressBar;
  EXPECT_EQ(ProgressBar::format_eta(7.4), "7s");
  EXPECT_EQ(ProgressBar::format_eta(65), "1:05");
  EXPECT_EQ(ProgressBar::format_eta(3723), "1:02:03");
  EXPECT_EQ(ProgressBar::format_logs({{"val_loss", 0.5}, {"lr", 0.1}, {"loss", 0.25}, {"accuracy", 0.875}, {"mae", 2e-4}}),
            "loss: 0.2500 - accuracy: 0.8750 - val_loss: 0.5000 - mae: 2.0000e-04");
}

}  // namespace
}  // namespace soma
