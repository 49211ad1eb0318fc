// Non-maximum suppression on hand-made detections with known survivors.
#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/detection/nms.h"

namespace soma::detection {
namespace {

std::vector<double> scores(const std::vector<Detection>& ds) {
  std::vector<double> s;
  for (const auto& d : ds) s.push_back(d.score);
  return s;
}

TEST(Nms, KeepsTheBestOfOverlappingBoxesOfOneLabel) {
  const std::vector<Detection> given = {
      {0, 0.8, {0.1, 0, 1.1, 1}},   // IoU 0.9 / 1.1 = 0.818 with the best: suppressed
      {0, 0.9, {0, 0, 1, 1}},       // the best
      {0, 0.7, {2, 2, 3, 3}},       // disjoint: kept
      {1, 0.6, {0, 0, 1, 1}},       // same box, another label: kept
      {0, 0.5, {0.5, 0, 1.5, 1}},   // IoU 1/3 with the best: kept
  };
  const auto kept = nms(given, 0.5);
  EXPECT_EQ(scores(kept), (std::vector<double>{0.9, 0.7, 0.6, 0.5}));
  // A stricter threshold: the 0.5 box overlaps the best by 1/3 > 0.3, and goes.
  EXPECT_EQ(scores(nms(given, 0.3)), (std::vector<double>{0.9, 0.7, 0.6}));
}

TEST(Nms, OverlapEqualToTheThresholdIsKept) {
  // IoU exactly 1/3: suppressed only when IoU > threshold.
  const std::vector<Detection> given = {{0, 0.9, {0, 0, 2, 1}}, {0, 0.8, {1, 0, 3, 1}}};
  EXPECT_EQ(nms(given, 1.0 / 3).size(), 2u);
  EXPECT_EQ(nms(given, 0.3).size(), 1u);
}

TEST(Nms, SuppressedBoxesSuppressNothing) {
  // B is suppressed by A (IoU 1.4 / 2.6 = 0.54); C overlaps B as much but A by 0.8 / 3.2 = 0.25
  // only, so C stays: greedy NMS compares with the kept boxes alone.
  const std::vector<Detection> given = {{0, 0.9, {0, 0, 2, 1}}, {0, 0.8, {0.6, 0, 2.6, 1}}, {0, 0.7, {1.2, 0, 3.2, 1}}};
  EXPECT_EQ(scores(nms(given, 0.5)), (std::vector<double>{0.9, 0.7}));
}

TEST(Nms, EmptyInputAndBadThreshold) {
  EXPECT_TRUE(nms({}, 0.5).empty());
  EXPECT_THROW(nms({}, 1.5), Error);
  EXPECT_THROW(nms({}, -0.1), Error);
}

}  // namespace
}  // namespace soma::detection
