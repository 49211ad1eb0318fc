// RbmLearner and VaeLearner: a step lowers the loss on a tiny problem (float64), the values and
// example counts they report, the state_dict / generator round trip that a resume relies on,
// the report_epoch grids, and the batch shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/generative/rbm_learner.h"
#include "soma/generative/vae.h"
#include "soma/io/weights.h"
#include "soma/optim/adam.h"
#include "soma/train/events.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using generative::Rbm;
using generative::RbmLearner;
using generative::Vae;
using generative::VaeLearner;

// Rows [rows, 16] of four bar patterns of a 4x4 image, as images [rows, 1, 4, 4].
Tensor bars(std::int64_t rows, DType dtype) {
  std::vector<double> v;
  for (std::int64_t r = 0; r < rows; ++r)
    for (int i = 0; i < 16; ++i) v.push_back((i / 4 == r % 4 || i % 4 == r % 4) ? 1 : 0);
  return from_data(v, {rows, 1, 4, 4}, dtype);
}

// Keeps the pictures a learner reports.
struct Pictures : train::Sink {
  void on_images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low, double high) override {
    seen.push_back({tag, images.shape(), low, high});
  }
  struct Seen {
    std::string tag;
    Shape shape;
    double low, high;
  };
  std::vector<Seen> seen;
};

// The one picture a learner's report_epoch gives.
Pictures::Seen reported(train::Learner& learner) {
  train::EventStream events;
  auto pictures = std::make_shared<Pictures>();
  events.add(pictures);
  learner.report_epoch(events, 0);
  EXPECT_EQ(pictures->seen.size(), 1u);
  return pictures->seen.empty() ? Pictures::Seen{} : pictures->seen[0];
}

TEST(RbmLearner, StepsLowerTheReconstructionError) {
  Generator init(1);
  Rbm rbm({.visible = 16, .hidden = 8, .lr = 0.1, .momentum = 0.5, .dtype = DType::f64}, init);
  RbmLearner learner(rbm, {.seed = 2});
  const data::Batch batch{bars(32, DType::f32), Tensor()};  // float32 images: cast and flattened
  const double before = learner.evaluate_step(batch).values.at("reconstruction_error");
  train::StepResult step;
  for (int i = 0; i < 300; ++i) step = learner.train_step(batch);
  EXPECT_EQ(step.examples, 32);
  EXPECT_LT(step.values.at("reconstruction_error"), 0.5 * before);
  EXPECT_LT(learner.evaluate_step(batch).values.at("reconstruction_error"), 0.5 * before);
  EXPECT_TRUE(learner.optimizers().empty());
  EXPECT_EQ(learner.name(), "rbm");
}

// Persistent CD with momentum: the chain, the velocities and the sampling generator are the
// state beyond the weights; restored into a second learner, both continue identically.
TEST(RbmLearner, StateDictRoundTrip) {
  const generative::RbmOptions options{.visible = 16, .hidden = 6, .lr = 0.1, .momentum = 0.5, .persistent = true,
                                       .dtype = DType::f64};
  Generator init_a(3), init_b(4);
  Rbm rbm_a(options, init_a), rbm_b(options, init_b);
  RbmLearner a(rbm_a, {.seed = 5}), b(rbm_b, {.seed = 6});
  const data::Batch batch{bars(8, DType::f64), Tensor()};
  a.train_step(batch);
  const auto state = a.state_dict();
  for (const char* key : {"chain", "weight_velocity", "visible_velocity", "hidden_velocity"})
    EXPECT_TRUE(state.count(key)) << key;
  io::load_state_dict(b.model(), io::state_dict(a.model()));
  b.load_state_dict(state);
  b.generators().front().second->set_state(a.generators().front().second->state());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.train_step(batch).values, b.train_step(batch).values);
  EXPECT_EQ(test::values(rbm_a.weight()), test::values(rbm_b.weight()));
  EXPECT_TRUE(test::throws_error_with([&] { b.load_state_dict({{"chain", zeros({2, 5}, DType::f64)}}); },
                                      {"chain", "[2, 16]", "[2, 5]"}));
  EXPECT_TRUE(test::throws_error_with([&] { b.load_state_dict({{"momentum", zeros({1})}}); }, {"unknown", "momentum"}));
}

TEST(RbmLearner, ReportsFiltersAndRejectsBadBatches) {
  Rbm rbm({.visible = 16, .hidden = 6});
  RbmLearner learner(rbm, {.filters = 4, .image_shape = {1, 4, 4}});
  const Pictures::Seen filters = reported(learner);
  EXPECT_EQ(filters.tag, "filters");
  EXPECT_EQ(filters.shape, Shape({4, 1, 4, 4}));
  EXPECT_LT(filters.low, filters.high);
  EXPECT_TRUE(test::throws_error_with([&] { learner.train_step({zeros({2, 15}), Tensor()}); }, {"16 values", "[2, 15]"}));
  EXPECT_TRUE(test::throws_error_with([&] { RbmLearner(rbm, {.image_shape = {1, 3, 3}}); }, {"image_shape", "16"}));
}

TEST(VaeLearner, StepsLowerTheLoss) {
  Generator init(3);
  Vae vae({.input = 16, .hidden = 16, .latent = 2, .dtype = DType::f64}, init);
  optim::Adam opt(vae.parameters(), {.lr = 1e-2});
  VaeLearner learner(vae, opt, {.seed = 4, .samples = 6, .image_shape = {1, 4, 4}});
  const data::Batch batch{bars(16, DType::f32), Tensor()};
  const train::StepResult first = learner.train_step(batch);
  EXPECT_EQ(first.examples, 16);
  EXPECT_NEAR(first.values.at("loss"), first.values.at("reconstruction") + first.values.at("kl"), 1e-9);
  train::StepResult last;
  for (int i = 0; i < 100; ++i) last = learner.train_step(batch);
  EXPECT_LT(last.values.at("loss"), 0.5 * first.values.at("loss"));
  EXPECT_EQ(opt.steps(), 101);
  // evaluate_step draws nothing: twice the same answer, and training's generator untouched.
  const std::string before = learner.generators().front().second->state();
  EXPECT_EQ(learner.evaluate_step(batch).values, learner.evaluate_step(batch).values);
  EXPECT_EQ(learner.generators().front().second->state(), before);

  const Pictures::Seen samples = reported(learner);
  EXPECT_EQ(samples.tag, "samples");
  EXPECT_EQ(samples.shape, Shape({6, 1, 4, 4}));
  EXPECT_EQ(samples.high, 1);
  EXPECT_TRUE(test::throws_error_with([&] { learner.train_step({zeros({2, 3}), Tensor()}); }, {"16 values", "[2, 3]"}));
}

// The reparameterization generator is the VAE's only state beyond weights and optimizer.
TEST(VaeLearner, SameGeneratorStateSameSteps) {
  auto run = [](std::uint64_t seed) {
    Generator init(1);
    Vae vae({.input = 16, .hidden = 8, .latent = 2, .dtype = DType::f64}, init);
    optim::Adam opt(vae.parameters(), {.lr = 1e-2});
    VaeLearner learner(vae, opt, {.seed = seed});
    std::vector<double> losses;
    for (int i = 0; i < 3; ++i) losses.push_back(learner.train_step({bars(8, DType::f64), Tensor()}).values.at("loss"));
    return losses;
  };
  EXPECT_EQ(run(2), run(2));
  EXPECT_NE(run(2), run(3));
}

}  // namespace
}  // namespace soma
