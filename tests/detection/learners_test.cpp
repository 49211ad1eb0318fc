// The localization loss's gradient, and a few steps of each learner on a fixed batch of small
// synthetic canvases lowering its loss (no Fashion-MNIST needed: the items are drawn here).
#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/data/canvases.h"
#include "soma/detection/detector.h"
#include "soma/detection/localizer.h"
#include "soma/nn/activation.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"
#include "soma/nn/sequential.h"
#include "soma/optim/adam.h"
#include "support/gradcheck.h"

namespace soma::detection {
namespace {

using In = const std::vector<Tensor>&;

// Three kinds of 28x28 items: a bar, a block and a frame, labelled 0, 1, 2.
std::shared_ptr<data::TensorDataset> shapes() {
  Tensor x = zeros({3, 1, 28, 28});
  Tensor y = tensor({0, 1, 2}, DType::i64);
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) {
      if (c >= 11 && c < 17 && r >= 2 && r < 26) x.set({0, 0, r, c}, 1);
      if (c >= 4 && c < 24 && r >= 4 && r < 24) x.set({1, 0, r, c}, 0.8);
      if ((r == 3 || r == 24 || c == 3 || c == 24) && r >= 3 && r <= 24 && c >= 3 && c <= 24) x.set({2, 0, r, c}, 1);
    }
  return std::make_shared<data::TensorDataset>(x, y);
}

data::Batch first_batch(const data::Canvases& canvases, std::int64_t n) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < n; ++i) indices.push_back(i);
  return canvases.get(indices);
}

TEST(LocalizationLoss, GradientMatchesFiniteDifferences) {
  const Tensor targets = tensor({2, 0.1, 0.2, 0.5, 0.6, 0, 0.3, 0.3, 0.9, 0.7, 1, 0.0, 0.5, 0.4, 1.0}, {3, 1, 5}, DType::f64);
  EXPECT_TRUE(test::gradcheck(
      [&](In in) { return localization_loss(in[0], in[1], targets, {.box_weight = 3, .beta = 0.5}).total; },
      {test::random64({3, 4}, 1), test::random64({3, 4}, 2)}));
}

TEST(LocalizationLoss, RefusesTargetsWithoutAnObject) {
  const Tensor logits = zeros({2, 3}), box = zeros({2, 4});
  EXPECT_THROW(localization_loss(logits, box, tensor({1, 0, 0, 1, 1, -1, 0, 0, 0, 0}, {2, 1, 5})), Error);
  EXPECT_THROW(localization_loss(logits, box, zeros({2, 2, 5})), Error);
  EXPECT_THROW(localization_loss(logits, zeros({2, 3}), zeros({2, 1, 5})), Error);
}

TEST(Localizer, StepsLowerTheLossOnAFixedBatch) {
  const data::Canvases canvases(shapes(), {.size = 32, .count = 16, .min_scale = 10, .max_scale = 20, .seed = 3});
  const data::Batch batch = first_batch(canvases, 16);
  manual_seed(1);
  nn::Graph net;
  nn::Node x = net.input("canvas", {1, 32, 32});
  x = net.layer("conv", nn::Conv2d({.in = 1, .out = 8, .kernel = 3, .padding = 1}), x);
  x = net.layer("relu", nn::ReLU(), x);
  x = net.layer("pool", nn::MaxPool2d(4), x);
  x = net.layer("flatten", nn::Flatten(), x);
  x = net.layer("fc", nn::Dense(8 * 8 * 8, 32), x);
  x = net.layer("fc_relu", nn::ReLU(), x);
  net.output(net.layer("class", nn::Dense(32, 3), x));
  net.output(net.layer("box", nn::Dense(32, 4), x));
  optim::Adam opt(net.parameters(), {.lr = 3e-3});
  Localizer learner(net, opt);
  const train::StepResult first = learner.train_step(batch);
  train::StepResult last;
  for (int i = 0; i < 40; ++i) last = learner.train_step(batch);
  EXPECT_LT(last.values.at("loss"), 0.5 * first.values.at("loss"));
  EXPECT_GT(last.values.at("iou"), first.values.at("iou"));
  EXPECT_EQ(last.counted, 16);
  for (const char* key : {"class_loss", "box_loss", "iou", "iou50"}) EXPECT_TRUE(last.values.count(key)) << key;

  nn::Graph one_output;
  one_output.output(one_output.layer("fc", nn::Dense(4, 2), one_output.input("x", {4})));
  EXPECT_THROW(Localizer(one_output, opt), Error);
}

TEST(YoloDetector, StepsLowerTheLossOnAFixedBatch) {
  const data::Canvases canvases(shapes(), {.size = 32, .count = 16, .min_items = 0, .max_items = 3, .min_scale = 8,
                                           .max_scale = 14, .seed = 4});
  const data::Batch batch = first_batch(canvases, 16);
  const YoloOptions o{.grid = 4, .boxes = 2, .classes = 3};
  manual_seed(2);
  nn::Sequential net{nn::Conv2d({.in = 1, .out = 8, .kernel = 3, .padding = 1}), nn::ReLU(), nn::MaxPool2d(4),
                     nn::Conv2d({.in = 8, .out = 16, .kernel = 3, .padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Conv2d({.in = 16, .out = yolo_channels(o), .kernel = 1})};
  optim::Adam opt(net.parameters(), {.lr = 3e-3});
  YoloDetector learner(net, opt, o);
  const double first = learner.train_step(batch).values.at("loss");
  double last = first;
  for (int i = 0; i < 40; ++i) last = learner.train_step(batch).values.at("loss");
  EXPECT_LT(last, 0.5 * first);
  // evaluate_detector runs end to end and gives an mAP in [0, 1].
  const auto eval_set = std::make_shared<data::Canvases>(canvases);
  const MeanAveragePrecision m = evaluate_detector(net, eval_set, o, {.batch_size = 8});
  EXPECT_GE(m.map, 0);
  EXPECT_LE(m.map, 1);
  EXPECT_THROW(YoloDetector(net, opt, {.grid = 0}), Error);
}

}  // namespace
}  // namespace soma::detection
