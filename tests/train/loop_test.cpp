// The training engine (train/loop.h): fit is a plain loop over train_step (the same loop by
// hand gives the same bits), the gradient hooks sit between backward and the optimizer step,
// callbacks see a Context with the step's own values and can interrupt, any Learner runs
// through the same Loop, and two learners stepped in turn equal their solo runs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "soma/soma.h"
#include "support/tensor_testing.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

using test::train::bit_identical;
using test::train::blobs;
using test::train::weights_of;

std::unique_ptr<nn::Sequential> model(std::uint64_t seed) { return test::train::seeded_model(seed); }

TEST(TrainLoop, FitEqualsTheSameLoopWrittenByHand) {
  const auto set = blobs(100, 1);
  auto a = model(3), b = model(3);
  optim::Adam opt_a(a->parameters(), {.lr = 0.01}), opt_b(b->parameters(), {.lr = 0.01});
  train::Trainer fitted(*a, opt_a, loss::CrossEntropy()), by_hand(*b, opt_b, loss::CrossEntropy());
  const train::History history = fitted.fit(set, {.epochs = 3, .batch_size = 16, .seed = 9, .verbose = 0});

  data::DataLoader loader(set, {.batch_size = 16, .shuffle = true, .seed = 9});
  std::vector<double> epoch_loss;
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.start_epoch();
    double sum = 0;
    std::int64_t n = 0;
    while (auto batch = loader.next()) {
      const train::StepResult r = by_hand.train_step(*batch);
      sum += r.values.at("loss") * double(r.examples);
      n += r.examples;
    }
    epoch_loss.push_back(sum / double(n));
  }
  EXPECT_TRUE(bit_identical(weights_of(*a), weights_of(*b)));
  EXPECT_EQ(history["loss"], epoch_loss);
  EXPECT_EQ(fitted.step(), 3 * 7);
}

TEST(TrainLoop, TwoTrainersSteppedInTurnEqualTheirSoloFits) {
  const auto set = blobs(64, 2);
  auto solo_a = model(1), solo_b = model(2), a = model(1), b = model(2);
  optim::SGD o1(solo_a->parameters(), {.lr = 0.1}), o2(solo_b->parameters(), {.lr = 0.1});
  optim::SGD o3(a->parameters(), {.lr = 0.1}), o4(b->parameters(), {.lr = 0.1});
  train::Trainer t1(*solo_a, o1, loss::CrossEntropy()), t2(*solo_b, o2, loss::CrossEntropy());
  t1.fit(set, {.epochs = 2, .batch_size = 8, .seed = 1, .verbose = 0});
  t2.fit(set, {.epochs = 2, .batch_size = 8, .seed = 2, .verbose = 0});

  train::Trainer ta(*a, o3, loss::CrossEntropy()), tb(*b, o4, loss::CrossEntropy());
  data::DataLoader la(set, {.batch_size = 8, .shuffle = true, .seed = 1});
  data::DataLoader lb(set, {.batch_size = 8, .shuffle = true, .seed = 2});
  for (int epoch = 0; epoch < 2; ++epoch) {
    la.start_epoch();
    lb.start_epoch();
    for (auto x = la.next(), y = lb.next(); x || y; x = la.next(), y = lb.next()) {
      if (x) ta.train_step(*x);
      if (y) tb.train_step(*y);
    }
  }
  EXPECT_TRUE(bit_identical(weights_of(*a), weights_of(*solo_a)));
  EXPECT_TRUE(bit_identical(weights_of(*b), weights_of(*solo_b)));
}

TEST(TrainLoop, GradientHooksRunBetweenBackwardAndTheStepInOrder) {
  const auto set = blobs(16, 3);
  auto net = model(4);
  optim::SGD opt(net->parameters(), {.lr = 0.5});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  std::vector<std::string> seen;
  const int first = trainer.add_gradient_hook([&](optim::Optimizer& o) {
    double norm = 0;
    for (const Tensor& p : o.params()) norm += sum(p.grad() * p.grad()).item();
    seen.push_back(norm > 0 ? "grads" : "no grads");
  });
  trainer.add_gradient_hook([&](optim::Optimizer& o) {
    seen.push_back("zero");
    for (Tensor p : o.params()) p.zero_grad();  // the step then changes nothing
  });
  const auto before = weights_of(*net);
  data::DataLoader loader(set, {.batch_size = 16});
  loader.start_epoch();
  trainer.train_step(*loader.next());
  EXPECT_EQ(seen, (std::vector<std::string>{"grads", "zero"}));
  EXPECT_TRUE(bit_identical(weights_of(*net), before));
  trainer.remove_gradient_hook(first);
  EXPECT_EQ(trainer.learner().gradient_hooks(), 1u);
}

TEST(TrainLoop, ClippingIsAHookForTheFitOnly) {
  const auto set = blobs(48, 5);
  auto a = model(6), b = model(6);
  optim::SGD oa(a->parameters(), {.lr = 0.3}), ob(b->parameters(), {.lr = 0.3});
  train::Trainer ta(*a, oa, loss::CrossEntropy()), tb(*b, ob, loss::CrossEntropy());
  ta.fit(set, {.epochs = 2, .batch_size = 8, .verbose = 0, .clip_grad_norm = 0.05});
  EXPECT_EQ(ta.learner().gradient_hooks(), 0u);  // removed when the fit ended
  tb.add_gradient_hook([](optim::Optimizer& o) { optim::clip_grad_norm(o.params(), 0.05); });
  tb.fit(set, {.epochs = 2, .batch_size = 8, .verbose = 0});
  EXPECT_TRUE(bit_identical(weights_of(*a), weights_of(*b)));
}

// Records what a callback sees through the Context, and interrupts at a step.
struct Watcher : train::Callback {
  std::int64_t interrupt_at = 0;
  std::shared_ptr<std::vector<double>> step_losses = std::make_shared<std::vector<double>>();
  std::string name() const override { return "Watcher"; }
  void on_batch_end(train::Context& context, std::int64_t, const train::Logs&) override {
    step_losses->push_back(context.step_logs().at("loss"));
    if (context.step() == interrupt_at) context.interrupt();
  }
};

TEST(TrainLoop, CallbacksSeeEachStepsOwnValuesAndCanInterrupt) {
  const auto set = blobs(64, 7);
  auto net = model(8);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  Watcher watcher;
  watcher.interrupt_at = 6;
  const train::History h = trainer.fit(set, {.epochs = 3, .batch_size = 16, .callbacks = {watcher}, .verbose = 0});
  EXPECT_TRUE(trainer.interrupted());
  EXPECT_EQ(trainer.step(), 6);
  EXPECT_EQ(h.size(), 1);  // epoch 0 ended; epoch 1 was cut after its 2nd step
  ASSERT_EQ(watcher.step_losses->size(), 6u);
  double mean = 0;
  for (int i = 0; i < 4; ++i) mean += (*watcher.step_losses)[i] / 4;  // 4 equal batches
  EXPECT_NEAR(h["loss"][0], mean, 1e-12);
  trainer.fit(set, {.epochs = 1, .batch_size = 16, .verbose = 0});
  EXPECT_FALSE(trainer.interrupted());
}

// A learner that is not a classifier: fits y = 3x with one weight, reports "sq_error" and owns
// a generator that jitters the inputs, so the loop must checkpoint it.
class Jitter : public train::Learner {
 public:
  Jitter() : w_(nn::Dense(1, 1, gen_)), opt_(w_.parameters(), {.lr = 0.05}), noise_(5) {}
  std::string name() const override { return "jitter"; }
  train::StepResult train_step(const data::Batch& batch) override {
    const Tensor x = batch.x + normal(batch.x.shape(), 0, 0.01, noise_);
    const Tensor loss = mse_loss(w_(x), batch.y);
    loss.backward();
    apply_step(opt_);
    return {.values = {{"sq_error", loss.item()}}, .examples = batch.x.size(0)};
  }
  train::StepResult evaluate_step(const data::Batch& batch) override {
    return {.values = {{"sq_error", mse_loss(w_(batch.x), batch.y).item()}}, .examples = batch.x.size(0)};
  }
  nn::Module& model() override { return w_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&opt_}; }
  std::vector<std::pair<std::string, Generator*>> generators() override { return {{"noise", &noise_}}; }

 private:
  Generator gen_{1};
  nn::Dense w_;
  optim::SGD opt_;
  Generator noise_;
};

std::shared_ptr<data::TensorDataset> line(std::int64_t n) {
  Tensor x({n, 1}, DType::f32), y({n, 1}, DType::f32);
  for (std::int64_t i = 0; i < n; ++i) {
    x.data<float>()[i] = float(i) / float(n);
    y.data<float>()[i] = 3 * float(i) / float(n);
  }
  return std::make_shared<data::TensorDataset>(x, y);
}

TEST(TrainLoop, AnyLearnerRunsAndResumesThroughTheLoop) {
  test::train::TempDir dir;
  const auto set = line(40);
  Jitter whole;
  train::Loop loop(whole);
  const train::History h = loop.fit(set, {.epochs = 6, .batch_size = 8, .validation = set, .verbose = 0});
  EXPECT_LT(h["sq_error"].back(), h["sq_error"].front());
  EXPECT_TRUE(h.contains("val_sq_error"));
  EXPECT_FALSE(h.contains("accuracy"));

  struct Stop : train::Callback {
    std::string path;
    std::string name() const override { return "Stop"; }
    void on_batch_end(train::Context& c, std::int64_t, const train::Logs&) override {
      if (c.step() == 13) {
        c.save_checkpoint(path);
        c.interrupt();
      }
    }
  };
  Stop stop;
  stop.path = dir.path("ckpt.safetensors");
  Jitter cut;
  train::Loop first(cut);
  first.fit(set, {.epochs = 6, .batch_size = 8, .validation = set, .callbacks = {stop}, .verbose = 0});
  ASSERT_TRUE(first.interrupted());
  Jitter resumed;  // other noise state unless the checkpoint restores it
  train::Loop second(resumed);
  const train::History rest =
      second.fit(set, {.epochs = 6, .batch_size = 8, .validation = set, .verbose = 0, .resume_from = stop.path});
  EXPECT_TRUE(bit_identical(weights_of(resumed.model()), weights_of(whole.model())));
  EXPECT_EQ(rest["sq_error"], h["sq_error"]);
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TrainRunFolder, AResumedRunLeavesTheFilesOfAnUninterruptedOne) {
  test::train::TempDir dir;
  const auto set = blobs(64, 9);
  auto fit = [&](const std::string& name, std::int64_t stop_at, bool resume) {
    const std::string folder = dir.path(name);
    std::filesystem::create_directories(folder);
    auto net = model(10);
    optim::Adam opt(net->parameters(), {.lr = 0.01});
    train::Trainer trainer(*net, opt, loss::CrossEntropy());
    Watcher w;
    w.interrupt_at = stop_at;
    struct Save : train::Callback {
      std::string path;
      std::int64_t at = 0;
      std::string name() const override { return "Save"; }
      void on_batch_end(train::Context& c, std::int64_t, const train::Logs&) override {
        if (c.step() == at) c.save_checkpoint(path);
      }
    } save;
    save.path = folder + "/ckpt.safetensors";
    save.at = stop_at - 2;  // the steps after it are written, then redone after the resume
    train::FitOptions o{.epochs = 3, .batch_size = 16, .validation = set, .callbacks = {save, w},
                        .sinks = {std::make_shared<train::RunFolderSink>(folder)}, .verbose = 0};
    if (resume) o.resume_from = save.path;
    trainer.fit(set, o);
    return folder;
  };
  const std::string whole = fit("whole", 0, false);
  const std::string cut = fit("cut", 7, false);
  EXPECT_NE(read(cut + "/steps.csv"), read(whole + "/steps.csv"));
  fit("cut", 0, true);
  EXPECT_EQ(read(cut + "/steps.csv"), read(whole + "/steps.csv"));
  EXPECT_EQ(read(cut + "/metrics.csv"), read(whole + "/metrics.csv"));
  const auto steps = train::RunFolderSink::read_table(whole + "/steps.csv");
  EXPECT_EQ(steps.columns, (std::vector<std::string>{"step", "epoch", "loss", "accuracy"}));
  EXPECT_EQ(steps.rows.size(), 12u);
  const auto metrics = train::RunFolderSink::read_table(whole + "/metrics.csv");
  EXPECT_EQ(metrics.rows.size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(whole + "/loss.png"));
  EXPECT_TRUE(std::filesystem::exists(whole + "/report.md"));
  // times.csv: a row per step, the resumed run's too, its clock never going back.
  for (const std::string& folder : {whole, cut}) {
    const auto times = train::RunFolderSink::read_table(folder + "/times.csv");
    ASSERT_EQ(times.columns, (std::vector<std::string>{"step", "time"}));
    ASSERT_EQ(times.rows.size(), 12u);
    for (std::size_t i = 0; i < times.rows.size(); ++i) {
      EXPECT_EQ(times.rows[i][0], double(i + 1));
      EXPECT_GE(times.rows[i][1], i ? times.rows[i - 1][1] : 0.0);
    }
  }
}

// A checkpoint saved from on_batch_end (soma train saves one after the first step) must find
// the step's row on disk: a process killed right after it resumes past that step.
TEST(TrainRunFolder, ACallbackAtABatchEndFindsTheStepsRowWritten) {
  test::train::TempDir dir;
  const auto set = blobs(64, 9);
  auto net = model(10);
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  struct Look : train::Callback {
    std::string path;
    std::shared_ptr<std::vector<std::size_t>> rows = std::make_shared<std::vector<std::size_t>>();
    std::string name() const override { return "Look"; }
    void on_batch_end(train::Context&, std::int64_t, const train::Logs&) override {
      rows->push_back(train::RunFolderSink::read_table(path).rows.size());
    }
  } look;
  const std::string folder = dir.path("run");
  std::filesystem::create_directories(folder);
  look.path = folder + "/steps.csv";
  trainer.fit(set, {.epochs = 2, .batch_size = 16, .callbacks = {look},
                    .sinks = {std::make_shared<train::RunFolderSink>(folder)}, .verbose = 0});
  ASSERT_EQ(look.rows->size(), 8u);
  for (std::size_t i = 0; i < look.rows->size(); ++i) EXPECT_EQ((*look.rows)[i], i + 1) << "at step " << i + 1;
}

TEST(TrainRunFolder, AHalfWrittenLastLineIsDroppedAndABadRowNamed) {
  test::train::TempDir dir;
  const std::string path = dir.path("steps.csv");
  std::ofstream(path) << "step,epoch,loss\n1,0,0.5\n2,0,0.4\n3,0,0.3";
  const auto t = train::RunFolderSink::read_table(path);
  EXPECT_EQ(t.rows.size(), 2u);
  std::ofstream(path) << "step,epoch,loss\n1,0,zero\n";
  EXPECT_NE(test::error_message([&] { train::RunFolderSink::read_table(path); }).find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace soma
