// The YOLO v1 loss: float64 gradient check, hand-made cases whose loss is known term by term
// (lambda_coord, lambda_noobj, the class error), the decoding of boxes, and bad input.
// Its values against PyTorch: tests/reference/detection_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/detection/yolo.h"
#include "support/gradcheck.h"

namespace soma::detection {
namespace {

using In = const std::vector<Tensor>&;

double logit(double p) { return std::log(p / (1 - p)); }

TEST(YoloLoss, GradientMatchesFiniteDifferences) {
  // rescore off: with it the objectness target is the IoU of the prediction itself, a constant
  // of the loss by definition (the paper's), which finite differences would see move.
  const YoloOptions o{.grid = 3, .boxes = 2, .classes = 3, .rescore = false};
  const Tensor targets = tensor({1, 0.1, 0.1, 0.4, 0.5, 2, 0.5, 0.4, 0.9, 0.8, -1, 0, 0, 0, 0,  //
                                 0, 0.3, 0.6, 0.6, 0.95, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0},
                                {2, 3, 5}, DType::f64);
  EXPECT_TRUE(test::gradcheck([&](In in) { return yolo_loss(in[0], targets, o); },
                              {test::random64({2, yolo_channels(o), 3, 3}, 5, 0, 1.5)}));
}

// One object of class 1 in cell (0, 0) of a 2x2 grid with B = 1, C = 2, predicted exactly:
// offsets (0.45, 0.7), sqrt w = 0.5, sqrt h = sqrt 0.5, objectness ~1 there and ~0 elsewhere.
struct Perfect {
  YoloOptions o{.grid = 2, .boxes = 1, .classes = 2, .rescore = false};
  Tensor targets = tensor({1, 0.1, 0.1, 0.35, 0.6}, {1, 1, 5}, DType::f64);
  Tensor output = full({1, 7, 2, 2}, -30, DType::f64);  // objectness ~0, class scores equal where unset
  Perfect() {
    output.set({0, 0, 0, 0}, logit(0.45));
    output.set({0, 1, 0, 0}, logit(0.7));
    output.set({0, 2, 0, 0}, logit(0.5));
    output.set({0, 3, 0, 0}, logit(std::sqrt(0.5)));
    output.set({0, 4, 0, 0}, 30);
    output.set({0, 5, 0, 0}, -30);
    output.set({0, 6, 0, 0}, 30);
  }
};

TEST(YoloLoss, HandMadeCasesTermByTerm) {
  Perfect p;
  EXPECT_NEAR(yolo_loss(p.output, p.targets, p.o).item(), 0, 1e-12);
  // x off by 0.1: lambda_coord * 0.1^2.
  Tensor x = p.output.copy();
  x.set({0, 0, 0, 0}, logit(0.55));
  EXPECT_NEAR(yolo_loss(x, p.targets, p.o).item(), 5 * 0.01, 1e-10);
  // An empty cell's objectness at 0.5: lambda_noobj * 0.5^2.
  Tensor noobj = p.output.copy();
  noobj.set({0, 4, 1, 1}, 0);
  EXPECT_NEAR(yolo_loss(noobj, p.targets, p.o).item(), 0.5 * 0.25, 1e-10);
  // Equal class scores: (0.5 - 0)^2 + (0.5 - 1)^2.
  Tensor cls = p.output.copy();
  cls.set({0, 6, 0, 0}, -30);
  EXPECT_NEAR(yolo_loss(cls, p.targets, p.o).item(), 0.5, 1e-10);
  // The objectness of the object's box at 0.5 with target 1: (0.5 - 1)^2, weight 1.
  Tensor obj = p.output.copy();
  obj.set({0, 4, 0, 0}, 0);
  EXPECT_NEAR(yolo_loss(obj, p.targets, p.o).item(), 0.25, 1e-10);
  // Rescore: the exact box has IoU 1, so the target stays 1 and the loss 0.
  YoloOptions rescore = p.o;
  rescore.rescore = true;
  EXPECT_NEAR(yolo_loss(p.output, p.targets, rescore).item(), 0, 1e-10);
  // Two images, one empty: the mean over the batch halves the first image's error.
  const Tensor two = full({2, 7, 2, 2}, -30, DType::f64);
  const Tensor targets2 = tensor({1, 0.1, 0.1, 0.35, 0.6, -1, 0, 0, 0, 0}, {2, 1, 5}, DType::f64);
  Tensor batch = two.copy();
  for (int c = 0; c < 7; ++c) batch.set({0, c, 0, 0}, p.output.at({0, c, 0, 0}));
  batch.set({0, 4, 1, 1}, 0);
  EXPECT_NEAR(yolo_loss(batch, targets2, p.o).item(), 0.5 * 0.25 / 2, 1e-10);
}

TEST(YoloLoss, TheBetterOverlappingPredictorIsResponsible) {
  // B = 2: predictor 1 sits on the object, predictor 0 far off. Only predictor 1's error is
  // counted with lambda_coord; predictor 0's objectness is pushed to 0 with lambda_noobj.
  const YoloOptions o{.grid = 1, .boxes = 2, .classes = 1, .rescore = false};
  const Tensor targets = tensor({0, 0.25, 0.25, 0.75, 0.75}, {1, 1, 5}, DType::f64);
  Tensor out = zeros({1, 11, 1, 1}, DType::f64);
  const double fields1[5] = {logit(0.5), logit(0.5), logit(std::sqrt(0.5)), logit(std::sqrt(0.5)), 30};
  for (int k = 0; k < 5; ++k) out.set({0, 5 + k, 0, 0}, fields1[k]);
  const double fields0[5] = {logit(0.1), logit(0.1), logit(0.2), logit(0.2), 0};  // tiny box in a corner
  for (int k = 0; k < 5; ++k) out.set({0, k, 0, 0}, fields0[k]);
  EXPECT_NEAR(yolo_loss(out, targets, o).item(), 0.5 * 0.25, 1e-10);
}

TEST(YoloBoxes, DecodesCellsAndScores) {
  const YoloOptions o{.grid = 2, .boxes = 2, .classes = 4};
  const auto boxes = yolo_boxes(zeros({1, yolo_channels(o), 2, 2}, DType::f64), o);
  ASSERT_EQ(boxes.size(), 1u);
  ASSERT_EQ(boxes[0].size(), 8u);  // 4 cells x 2 boxes
  // Cell (row 1, col 0), sigmoid(0) everywhere: centre (0.25, 0.75), w = h = 0.25, score 0.5 / 4.
  const Detection& d = boxes[0][4];
  EXPECT_DOUBLE_EQ(d.box.x1, 0.125);
  EXPECT_DOUBLE_EQ(d.box.x2, 0.375);
  EXPECT_DOUBLE_EQ(d.box.y1, 0.625);
  EXPECT_DOUBLE_EQ(d.score, 0.125);
  EXPECT_EQ(d.label, 0);
  // yolo_detections: the threshold drops them all; at 0.1 NMS keeps the disjoint cells' first box.
  EXPECT_TRUE(yolo_detections(zeros({1, yolo_channels(o), 2, 2}), o, 0.2)[0].empty());
  EXPECT_EQ(yolo_detections(zeros({1, yolo_channels(o), 2, 2}), o, 0.1)[0].size(), 4u);
}

TEST(YoloLoss, RefusesWhatDoesNotFit) {
  const YoloOptions o{.grid = 2, .boxes = 1, .classes = 2};
  const Tensor targets = tensor({1, 0.1, 0.1, 0.3, 0.3}, {1, 1, 5});
  EXPECT_THROW(yolo_loss(zeros({1, 8, 2, 2}), targets, o), Error);             // 5B + C = 7 channels
  EXPECT_THROW(yolo_loss(zeros({1, 7, 3, 3}), targets, o), Error);             // grid 2
  EXPECT_THROW(yolo_loss(zeros({1, 7, 2, 2}), zeros({1, 1, 4}), o), Error);    // rows of 5
  EXPECT_THROW(yolo_loss(zeros({2, 7, 2, 2}), targets, o), Error);             // batch sizes
  EXPECT_THROW(yolo_loss(zeros({1, 7, 2, 2}), tensor({2, 0.1, 0.1, 0.3, 0.3}, {1, 1, 5}), o), Error);  // class 2
  try {
    yolo_loss(zeros({1, 8, 2, 2}), targets, o);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("yolo_loss"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1, 8, 2, 2]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace soma::detection
