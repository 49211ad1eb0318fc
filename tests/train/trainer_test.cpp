// Trainer (train/trainer.h): fit learns and records its history, a step is exactly the manual
// loop's, the logged loss is the mean per example, evaluate/predict/modes, validation_split,
// callback hooks and stopping, accuracy only where it means something, and option errors.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

using test::train::blob_model;
using test::train::blobs;

train::FitOptions quiet(train::FitOptions options) {
  options.verbose = 0;
  return options;
}

TEST(TrainTrainer, FitLearnsAndRecordsHistory) {
  manual_seed(1);
  const auto train_set = blobs(300, 1), val_set = blobs(100, 2);
  auto net = blob_model();
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  const auto history = trainer.fit(train_set, quiet({.epochs = 5, .batch_size = 32, .validation = val_set}));

  ASSERT_EQ(history.size(), 5);
  EXPECT_EQ(history.epochs(), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  for (const char* name : {"loss", "accuracy", "val_loss", "val_accuracy", "lr"})
    EXPECT_EQ(history[name].size(), 5u) << name;
  EXPECT_EQ(history.values().size(), 5u);
  EXPECT_LT(history["loss"].back(), history["loss"].front());
  EXPECT_GT(history["val_accuracy"].back(), 0.8);
  for (double lr : history["lr"]) EXPECT_EQ(lr, 0.01);
  EXPECT_EQ(trainer.step(), 5 * 10);

  // The last validation is an evaluate() of the final model.
  const train::Metrics m = trainer.evaluate(val_set, 32);
  EXPECT_EQ(m.loss, history["val_loss"].back());
  EXPECT_EQ(m.accuracy, history["val_accuracy"].back());
}

// Keras' classifier as Keras writes it: Dense(activation="relu") hidden layers, a softmax
// output and categorical cross-entropy on its probabilities: it learns as the logits model
// (FitLearnsAndRecordsHistory) does.
TEST(TrainTrainer, KerasSoftmaxClassifierLearnsWithCategoricalCrossentropy) {
  manual_seed(1);
  const auto train_set = blobs(300, 1), val_set = blobs(100, 2);
  nn::Sequential net(nn::Dense(nn::DenseOptions{.in = 4, .out = 16, .activation = "relu"}),
                     nn::Dense(nn::DenseOptions{.in = 16, .out = 3, .activation = "softmax"}));
  optim::Adam opt(net.parameters(), {.lr = 0.01});
  train::Trainer trainer(net, opt, loss::CategoricalCrossentropy());
  const auto history = trainer.fit(train_set, quiet({.epochs = 5, .batch_size = 32, .validation = val_set}));
  EXPECT_LT(history["loss"].back(), 0.5 * history["loss"].front());
  EXPECT_GT(history["val_accuracy"].back(), 0.8);
}

TEST(TrainTrainer, AStepIsTheManualLoop) {
  const auto data = blobs(70, 3);
  manual_seed(4);
  auto a = blob_model();
  manual_seed(4);
  auto b = blob_model();
  optim::Adam opt_a(a->parameters(), {.lr = 0.01});
  optim::Adam opt_b(b->parameters(), {.lr = 0.01});

  manual_seed(9);  // dropout masks
  train::Trainer trainer(*a, opt_a, loss::CrossEntropy());
  trainer.fit(data, quiet({.epochs = 2, .batch_size = 16, .shuffle = false}));

  manual_seed(9);
  loss::CrossEntropy ce;
  for (int epoch = 0; epoch < 2; ++epoch)
    for (std::int64_t begin = 0; begin < 70; begin += 16) {
      const std::int64_t end = std::min<std::int64_t>(70, begin + 16);
      const Tensor x = slice(data->x(), 0, begin, end).copy(), y = slice(data->y(), 0, begin, end).copy();
      Tensor l = ce((*b)(x), y);
      l.backward();
      opt_b.step();
      opt_b.zero_grad();
    }
  EXPECT_TRUE(test::train::bit_identical(test::train::weights_of(*a), test::train::weights_of(*b)));
}

// clip_grad_norm and clip_grad_value act between backward and the step, as in PyTorch's loop.
TEST(TrainTrainer, ClippingIsTheManualLoopsClipping) {
  const auto data = blobs(40, 5);
  manual_seed(6);
  auto a = blob_model();
  manual_seed(6);
  auto b = blob_model();
  optim::SGD opt_a(a->parameters(), {.lr = 0.5});
  optim::SGD opt_b(b->parameters(), {.lr = 0.5});
  const auto before = test::train::weights_of(*a);

  manual_seed(2);
  train::Trainer trainer(*a, opt_a, loss::CrossEntropy());
  trainer.fit(data, quiet({.batch_size = 40, .shuffle = false, .clip_grad_norm = 0.01, .clip_grad_value = 0.002}));

  manual_seed(2);
  Tensor l = loss::CrossEntropy()((*b)(data->x()), data->y());
  l.backward();
  EXPECT_GT(optim::clip_grad_norm(opt_b.params(), 0.01), 0.01);  // so clipping changed something
  optim::clip_grad_value(opt_b.params(), 0.002);
  opt_b.step();
  const auto after = test::train::weights_of(*a);
  EXPECT_TRUE(test::train::bit_identical(after, test::train::weights_of(*b)));
  for (std::size_t i = 0; i < after.size(); ++i)  // no element moved more than lr * 0.002 (+ float32 rounding)
    EXPECT_LE(max(abs(after[i].second - before[i].second)).item(), 0.5 * 0.002 + 1e-6) << after[i].first;
}

TEST(TrainTrainer, LoggedLossIsTheMeanPerExample) {
  // lr 0: the model does not change, so the epoch's loss is the dataset's mean loss, with the
  // short last batch (100 = 3 * 32 + 4) weighted by its size.
  manual_seed(2);
  const auto data = blobs(100, 5);
  auto net = blob_model(4, 3, 0.0);
  optim::SGD opt(net->parameters(), {.lr = 0});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  const auto history = trainer.fit(data, quiet({.epochs = 1, .batch_size = 32}));
  {
    NoGradGuard no_grad;
    const Tensor out = (*net)(data->x());
    EXPECT_NEAR(history["loss"][0], cross_entropy(out, data->y()).item(), 1e-6);
    EXPECT_DOUBLE_EQ(history["accuracy"][0], train::accuracy(out, data->y()));
    EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({})); }, {"NoGradGuard"}));
  }

  // A sum-reduced loss logs the same per-example mean.
  train::Trainer summed(*net, opt, loss::CrossEntropy({.reduction = Reduction::sum}));
  EXPECT_NEAR(summed.fit(data, quiet({.batch_size = 32}))["loss"][0], history["loss"][0], 1e-6);
  EXPECT_NEAR(summed.evaluate(data, 7).loss, history["loss"][0], 1e-6);
}

TEST(TrainTrainer, EvaluateAndPredictRunInEvalModeAndRestoreIt) {
  manual_seed(3);
  const auto data = blobs(50, 6);
  auto net = blob_model(4, 3, 0.5);
  optim::SGD opt(net->parameters());
  train::Trainer trainer(*net, opt, loss::CrossEntropy());

  net->eval();
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = (*net)(data->x());
  }
  net->train();
  const Tensor by_dataset = trainer.predict(data, 16);
  const Tensor by_tensor = trainer.predict(data->x(), 7);
  EXPECT_TRUE(net->is_training());
  ASSERT_EQ(by_dataset.shape(), Shape({50, 3}));
  ASSERT_EQ(by_tensor.shape(), Shape({50, 3}));
  EXPECT_FALSE(by_dataset.requires_grad());
  // Batches of different sizes may take different GEMM paths (summation orders): equal to
  // float32 rounding, not bit for bit.
  for (std::int64_t i = 0; i < 150; ++i) {
    EXPECT_NEAR(by_dataset.data<float>()[i], expected.data<float>()[i], 1e-5);
    EXPECT_NEAR(by_tensor.data<float>()[i], expected.data<float>()[i], 1e-5);
  }
  const auto m = trainer.evaluate(data, 16);
  EXPECT_NEAR(m.loss, cross_entropy(expected, data->y()).item(), 1e-6);
  EXPECT_DOUBLE_EQ(m.accuracy, train::accuracy(expected, data->y()));
  EXPECT_TRUE(net->is_training());

  net->eval();
  trainer.fit(data, quiet({.epochs = 1}));
  EXPECT_FALSE(net->is_training());
}

TEST(TrainTrainer, PenaltiesJoinTheLoss) {
  manual_seed(5);
  const auto data = blobs(40, 7);
  nn::Sequential net{nn::Dense({.in = 4, .out = 3, .kernel_regularizer = nn::l2(0.1)})};
  optim::SGD opt(net.parameters(), {.lr = 0});
  train::Trainer trainer(net, opt, loss::CrossEntropy());
  NoGradGuard no_grad;
  const double data_loss = cross_entropy(net(data->x()), data->y()).item();
  const double penalty = net.regularization_loss().item();
  EXPECT_GT(penalty, 0);
  EXPECT_NEAR(trainer.evaluate(data, 8).loss, data_loss + penalty, 1e-6);
}

// Records the hooks the Trainer calls, and the logs and state it shows.
struct Recorder : train::Callback {
  std::shared_ptr<std::vector<std::string>> calls = std::make_shared<std::vector<std::string>>();
  std::int64_t stop_after = -1;
  std::string name() const override { return "Recorder"; }
  void on_train_begin(train::Context& t) override { calls->push_back("train_begin " + std::to_string(t.batches_per_epoch())); }
  void on_train_end(train::Context&) override { calls->push_back("train_end"); }
  void on_epoch_begin(train::Context&, std::int64_t e) override { calls->push_back("epoch_begin " + std::to_string(e)); }
  void on_batch_end(train::Context& t, std::int64_t b, const train::Logs& logs) override {
    calls->push_back("batch " + std::to_string(b) + " step " + std::to_string(t.step()) + " keys " +
                     std::to_string(logs.size()));
  }
  void on_epoch_end(train::Context& t, std::int64_t e, train::Logs& logs) override {
    std::string keys;
    for (const auto& [k, v] : logs) keys += " " + k;
    calls->push_back("epoch_end " + std::to_string(e) + keys + " history " + std::to_string(t.history().size()));
    if (e == stop_after) t.request_stop();
  }
};

TEST(TrainTrainer, CallsHooksInOrderAndStopsOnRequest) {
  manual_seed(6);
  const auto data = blobs(100, 8);
  auto net = blob_model();
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  Recorder recorder;
  recorder.stop_after = 1;
  const auto calls = recorder.calls;
  // validation_split 0.2 trains on 80 examples: 3 batches of 32, 32, 16.
  const auto history = trainer.fit(data, quiet({.epochs = 5, .batch_size = 32, .validation_split = 0.2,
                                                .callbacks = {recorder}}));
  EXPECT_EQ(history.size(), 2);
  const std::vector<std::string> expected = {
      "train_begin 3",
      "epoch_begin 0",
      "batch 0 step 1 keys 2",
      "batch 1 step 2 keys 2",
      "batch 2 step 3 keys 2",
      "epoch_end 0 accuracy loss lr val_accuracy val_loss history 0",
      "epoch_begin 1",
      "batch 0 step 4 keys 2",
      "batch 1 step 5 keys 2",
      "batch 2 step 6 keys 2",
      "epoch_end 1 accuracy loss lr val_accuracy val_loss history 1",
      "train_end"};
  EXPECT_EQ(*calls, expected);
}

TEST(TrainTrainer, AccuracyOnlyForClassification) {
  manual_seed(7);
  Generator gen(1);
  const Tensor x = normal({64, 3}, 0, 1, gen);
  const Tensor w = tensor({1.0, -2.0, 0.5}, {3, 1});
  const Tensor y = matmul(x, w);
  const auto regression = std::make_shared<data::TensorDataset>(x, y);
  nn::Dense fc(3, 1);
  optim::SGD opt(fc.parameters(), {.lr = 0.1});
  train::Trainer mse(fc, opt, loss::MSE());
  const auto h = mse.fit(regression, quiet({.epochs = 3, .batch_size = 16}));
  EXPECT_FALSE(h.contains("accuracy"));
  EXPECT_LT(h["loss"].back(), h["loss"].front());
  EXPECT_TRUE(std::isnan(mse.evaluate(regression).accuracy));

  // Binary labels with logits: thresholded at 0.
  Tensor labels = empty({64, 1});
  for (std::int64_t i = 0; i < 64; ++i) labels.data<float>()[i] = y.data<float>()[i] > 0 ? 1.f : 0.f;
  const auto binary = std::make_shared<data::TensorDataset>(x, labels);
  train::Trainer bce(fc, opt, loss::BCEWithLogits());
  const auto hb = bce.fit(binary, quiet({.epochs = 20, .batch_size = 16}));
  ASSERT_TRUE(hb.contains("accuracy"));
  EXPECT_GT(hb["accuracy"].back(), 0.9);

  // Sequences: logits [N, T, C] against ids [N, T], scored per token. The target at each step is
  // the input's class, which a Dense over the last axis learns.
  Tensor ids = empty({64, 5}, DType::i64), onehot = zeros({64, 5, 3});
  for (std::int64_t i = 0; i < 64 * 5; ++i) {
    ids.data<std::int64_t>()[i] = std::int64_t(gen.below(3));
    onehot.data<float>()[i * 3 + ids.data<std::int64_t>()[i]] = 1;
  }
  const auto sequences = std::make_shared<data::TensorDataset>(onehot, ids);
  nn::Dense head(3, 3);
  optim::Adam adam(head.parameters(), {.lr = 0.05});
  train::Trainer seq(head, adam, loss::Function("sequence_cross_entropy", [](const Tensor& l, const Tensor& t) {
                       return sequence_cross_entropy(l, t);
                     }));
  const auto hs = seq.fit(sequences, quiet({.epochs = 20, .batch_size = 16}));
  ASSERT_TRUE(hs.contains("accuracy"));
  EXPECT_LT(hs["accuracy"].front(), 0.9);
  EXPECT_EQ(hs["accuracy"].back(), 1.0);
  EXPECT_EQ(seq.evaluate(sequences).accuracy, 1.0);
}

TEST(TrainTrainer, BadOptionsThrow) {
  const auto data = blobs(10, 9);
  auto net = blob_model();
  optim::SGD opt(net->parameters());
  EXPECT_TRUE(test::throws_error_with([&] { train::Trainer(*net, opt, loss::MSE({.reduction = Reduction::none})); },
                                      {"reduction none"}));
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.batch_size = 0})); }, {"batch_size", "0"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.epochs = -1})); }, {"epochs"}));
  EXPECT_TRUE(test::throws_error_with(
      [&] { trainer.fit(data, quiet({.validation = data, .validation_split = 0.5})); }, {"validation_split"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.validation_split = 1.0})); }, {"[0, 1)"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.checkpoint_every_n_batches = 2})); },
                                      {"checkpoint_path"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(nullptr); }, {"null"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.clip_grad_norm = -1})); },
                                      {"clip_grad_norm", ">= 0", "-1"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.clip_grad_value = -0.5})); },
                                      {"clip_grad_value", "-0.5"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.save_checkpoint("x"); }, {"only during fit"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.evaluate(data, 0); }, {"batch_size"}));
  EXPECT_TRUE(test::throws_error_with([&] { trainer.fit(data, quiet({.resume_from = "/nonexistent/ckpt"})); },
                                      {"/nonexistent/ckpt"}));
}

// Keras's classifier ends in softmax; soma's cross_entropy takes logits. The literal
// translation would apply softmax twice and train silently badly: refused, saying what to do.
TEST(TrainTrainer, RefusesASoftmaxOrSigmoidTheLossAppliesAgain) {
  nn::Sequential net(nn::Dense(2, 3), nn::Softmax());
  optim::SGD opt(net.parameters());
  EXPECT_TRUE(test::throws_error_with(
      [&] { train::Trainer(net, opt, loss::CrossEntropy()); },
      {"ends in softmax", "'cross_entropy'", "twice", "remove the final softmax", "'categorical_crossentropy'"}));
  EXPECT_NO_THROW(train::Trainer(net, opt, loss::CategoricalCrossentropy()));  // Keras' pairing: right
  EXPECT_TRUE(test::throws_error_with(
      [&] { train::Trainer(net, opt, loss::CategoricalCrossentropy({.from_logits = true})); },
      {"ends in softmax", "'categorical_crossentropy'", "twice", "from_logits = false"}));
  EXPECT_TRUE(test::throws_error_with([&] { train::Trainer(net, opt, loss::NLL()); },
                                      {"'nll'", "log-probabilities", "ends in softmax", "LogSoftmax"}));
  // Keras' Dense(10, activation="softmax") is the same final softmax.
  nn::Sequential keras(nn::Dense(nn::DenseOptions{.in = 2, .out = 3, .activation = "softmax"}));
  optim::SGD opt3(keras.parameters());
  EXPECT_TRUE(test::throws_error_with([&] { train::Trainer(keras, opt3, loss::CrossEntropy()); },
                                      {"ends in softmax", "twice"}));
  nn::Sequential binary(nn::Dense(2, 1), nn::Sigmoid());
  optim::SGD opt2(binary.parameters());
  EXPECT_TRUE(test::throws_error_with([&] { train::Trainer(binary, opt2, loss::BCEWithLogits()); },
                                      {"ends in sigmoid", "'bce'"}));
  EXPECT_NO_THROW(train::Trainer(binary, opt2, loss::BCE()));  // probabilities: right
  nn::Sequential log_probs(nn::Dense(2, 3), nn::LogSoftmax());
  optim::SGD opt4(log_probs.parameters());
  EXPECT_NO_THROW(train::Trainer(log_probs, opt4, loss::NLL()));  // PyTorch's pairing: right
}

}  // namespace
}  // namespace soma

namespace soma {
namespace {

// FitOptions::transforms: applied to every training batch, drawn from the loader's generator,
// and never to the validation set.
TEST(TrainTrainer, TransformsApplyToTrainingBatchesOnly) {
  manual_seed(1);
  const auto train_set = test::train::blobs(40, 1), val_set = test::train::blobs(20, 2);
  auto net = test::train::blob_model();
  optim::SGD opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  auto seen = std::make_shared<std::int64_t>(0);
  data::Transform count = [seen](data::Batch batch, Generator&) {
    *seen += batch.x.size(0);
    return batch;
  };
  train::FitOptions options{.epochs = 2, .batch_size = 16, .validation = val_set, .verbose = 0};
  options.transforms = {count};
  trainer.fit(train_set, options);
  EXPECT_EQ(*seen, 2 * 40);  // every training example, each epoch; none of the 20 validation ones
}

}  // namespace
}  // namespace soma
