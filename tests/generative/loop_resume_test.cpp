// The generative learners under train::Loop: a fit stopped at a mid-epoch checkpoint and
// resumed from it ends with the same weights, bit for bit, as a fit never stopped (GAN and
// persistent-CD RBM, float64), and the epoch logs hold the learners' values.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "soma/core/factory.h"
#include "soma/generative/gan.h"
#include "soma/generative/rbm_learner.h"
#include "soma/io/weights.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"
#include "soma/optim/adam.h"
#include "soma/nn/dropout.h"
#include "soma/nn/loss.h"
#include "soma/train/loop.h"
#include "soma/train/trainer.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("soma_gen_" + name + "_" + std::to_string(::getpid()))).string();
}

// Every tensor of a learner's model, in order, as values.
std::vector<std::vector<double>> weights(train::Learner& learner) {
  std::vector<std::vector<double>> out;
  for (const auto& [name, t] : io::state_dict(learner.model())) out.push_back(test::values(t));
  return out;
}

// A fresh GAN (float64, 6 features, batch norm-free) with its data; all from fixed seeds.
struct GanRun {
  GanRun() : init(1) {
    auto dense = [&](std::int64_t in, std::int64_t out) { return nn::Dense({.in = in, .out = out, .dtype = DType::f64}, init); };
    g = nn::Sequential(dense(3, 8), nn::LeakyReLU(0.2), dense(8, 6), nn::Tanh());
    d = nn::Sequential(dense(6, 8), nn::LeakyReLU(0.2), dense(8, 1), nn::Sigmoid());
    g_opt = std::make_unique<optim::Adam>(g.parameters(), optim::AdamOptions{.lr = 1e-2, .betas = {0.5, 0.999}});
    d_opt = std::make_unique<optim::Adam>(d.parameters(), optim::AdamOptions{.lr = 1e-2, .betas = {0.5, 0.999}});
    gan = std::make_unique<generative::GanLearner>(g, d, *g_opt, *d_opt,
                                                       generative::GanOptions{.noise_shape = {3}, .d_steps = 2, .seed = 7});
    data = std::make_shared<data::TensorDataset>(uniform({20, 6}, -1, 1, init, DType::f64));
  }
  Generator init;
  nn::Sequential g, d;
  std::unique_ptr<optim::Adam> g_opt, d_opt;
  std::unique_ptr<generative::GanLearner> gan;
  std::shared_ptr<data::TensorDataset> data;
  train::Learner& learner() { return *gan; }
};

// A fresh persistent-CD RBM with momentum on 0/1 data.
struct RbmRun {
  RbmRun() : init(2), rbm({.visible = 12, .hidden = 5, .lr = 0.1, .momentum = 0.5, .persistent = true, .dtype = DType::f64}, init),
             rbm_learner(rbm, {.seed = 3}) {
    Tensor x = uniform({20, 12}, 0, 1, init, DType::f64);
    for (std::int64_t i = 0; i < x.numel(); ++i) x.data<double>()[i] = x.data<double>()[i] < 0.4 ? 1 : 0;
    data = std::make_shared<data::TensorDataset>(x);
  }
  Generator init;
  generative::Rbm rbm;
  generative::RbmLearner rbm_learner;
  std::shared_ptr<data::TensorDataset> data;
  train::Learner& learner() { return rbm_learner; }
};

// 20 examples in batches of 4 (the RBM's chain: the first batch's 4 rows): 5 steps an epoch,
// 3 epochs, against a first fit of 1 epoch that checkpoints every 3 steps (its last file: after
// step 3, mid-epoch) and a second that resumes from that file and runs to the end.
template <class Run>
void expect_exact_resume(const std::string& name) {
  const train::FitOptions base{.epochs = 3, .batch_size = 4, .seed = 5, .verbose = 0};
  Run whole;
  const train::History full = train::Loop(whole.learner()).fit(whole.data, base);

  const std::string path = temp_file(name);
  Run first;
  train::FitOptions stop = base;
  stop.epochs = 1;
  stop.checkpoint_path = path;
  stop.checkpoint_every_n_batches = 3;  // written after step 3; the epoch's last step (5) is not a multiple
  train::Loop(first.learner()).fit(first.data, stop);

  Run second;
  train::FitOptions resume = base;
  resume.resume_from = path;
  const train::History resumed = train::Loop(second.learner()).fit(second.data, resume);
  std::filesystem::remove(path);
  EXPECT_EQ(weights(whole.learner()), weights(second.learner()));
  ASSERT_EQ(resumed.size(), full.size());
  EXPECT_EQ(resumed.row(2), full.row(2));
  EXPECT_FALSE(full.row(2).empty());
}

TEST(GenerativeLoop, GanResumesExactly) { expect_exact_resume<GanRun>("gan"); }
TEST(GenerativeLoop, RbmResumesExactly) { expect_exact_resume<RbmRun>("rbm"); }

}  // namespace
}  // namespace soma

namespace soma {
namespace {

// A GAN and a classifier stepped in turn in one process (the GAN's noise, the classifier's
// dropout and each loader's order from generators of their own) end with the weights of each
// trained alone.
TEST(GenerativeLoop, AGanBesideAClassifierEqualsEachAlone) {
  auto classifier = [] {
    Generator gen(4);
    auto net = std::make_unique<nn::Sequential>();
    net->push_back(nn::Dense(6, 8, gen));
    net->push_back(nn::ReLU());
    net->push_back(nn::Dropout(0.5, gen));
    net->push_back(nn::Dense(8, 2, gen));
    return net;
  };
  Generator data_gen(9);
  const Tensor x = uniform({24, 6}, -1, 1, data_gen);
  Tensor y({24}, DType::i64);
  for (std::int64_t i = 0; i < 24; ++i) y.data<std::int64_t>()[i] = x.data<float>()[i * 6] > 0 ? 1 : 0;
  const auto labelled = std::make_shared<data::TensorDataset>(x, y);

  auto gan_alone = std::make_unique<GanRun>();
  auto net_alone = classifier();
  optim::Adam opt_alone(net_alone->parameters(), {.lr = 0.01});
  train::Trainer trainer_alone(*net_alone, opt_alone, loss::CrossEntropy());
  const train::FitOptions options{.epochs = 2, .batch_size = 4, .seed = 5, .verbose = 0};
  train::Loop(gan_alone->learner()).fit(gan_alone->data, options);
  trainer_alone.fit(labelled, options);

  GanRun gan;
  auto net = classifier();
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  data::DataLoader gan_loader(gan.data, {.batch_size = 4, .shuffle = true, .seed = 5});
  data::DataLoader net_loader(labelled, {.batch_size = 4, .shuffle = true, .seed = 5});
  gan.learner().model().train();
  for (int epoch = 0; epoch < 2; ++epoch) {
    gan_loader.start_epoch();
    net_loader.start_epoch();
    for (auto a = gan_loader.next(), b = net_loader.next(); a || b; a = gan_loader.next(), b = net_loader.next()) {
      if (a) gan.learner().train_step(*a);
      if (b) trainer.train_step(*b);
    }
  }
  EXPECT_EQ(weights(gan.learner()), weights(gan_alone->learner()));
  EXPECT_EQ(weights(trainer.learner()), weights(trainer_alone.learner()));
}

}  // namespace
}  // namespace soma
