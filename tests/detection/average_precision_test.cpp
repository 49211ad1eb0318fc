// PASCAL VOC's AP and mAP on hand-made rankings whose answers are worked out in the comments.
#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/detection/average_precision.h"

namespace soma::detection {
namespace {

TEST(AveragePrecision, AllPointInterpolationOfAHandMadeCurve) {
  // TP, FP, TP over 2 truths: recall .5 .5 1, precision 1 .5 2/3. The envelope lifts the
  // middle precision to 2/3: AP = 0.5 * 1 + 0.5 * 2/3.
  EXPECT_NEAR(voc_average_precision({0.5, 0.5, 1}, {1, 0.5, 2.0 / 3}), 0.5 + 1.0 / 3, 1e-12);
  // FP then TP over 1 truth: recall 0 1, precision 0 .5: AP = 0.5 (not 11-point's value).
  EXPECT_NEAR(voc_average_precision({0, 1}, {0, 0.5}), 0.5, 1e-12);
  // Recall stopping at 0.5 with perfect precision: half the area.
  EXPECT_NEAR(voc_average_precision({0.25, 0.5}, {1, 1}), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(voc_average_precision({}, {}), 0);
  EXPECT_THROW(voc_average_precision({0.5}, {}), Error);
}

TEST(AveragePrecision, DuplicatesAndMissesOverTwoImages) {
  const Box a{0, 0, 0.4, 0.4}, b{0.5, 0.5, 0.9, 0.9};
  // Class 0: a truth in each image. Ranked: 0.9 hits image 0's truth, 0.8 hits it again (a
  // duplicate: FP), 0.7 hits image 1's: TP FP TP -> AP 5/6 as above. Class 1: a truth, never
  // detected -> AP 0. Class 2: no truth -> left out. mAP = (5/6 + 0) / 2.
  const std::vector<std::vector<Object>> truths = {{{0, a}, {1, b}}, {{0, b}}};
  const std::vector<std::vector<Detection>> detections = {
      {{0, 0.9, a}, {0, 0.8, {0, 0, 0.4, 0.38}}}, {{0, 0.7, {0.52, 0.5, 0.9, 0.9}}, {2, 0.95, a}}};
  const MeanAveragePrecision m = mean_average_precision(detections, truths, 3, 0.5);
  ASSERT_EQ(m.per_class.size(), 3u);
  EXPECT_NEAR(m.per_class[0], 5.0 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(m.per_class[1], 0);
  EXPECT_DOUBLE_EQ(m.per_class[2], -1);
  EXPECT_NEAR(m.map, 5.0 / 12, 1e-12);
}

TEST(AveragePrecision, MatchNeedsTheIouThreshold) {
  const std::vector<std::vector<Object>> truths = {{{0, {0, 0, 1, 1}}}};
  // IoU 0.5 exactly counts (VOC: ovmax >= 0.5); a shade under does not.
  EXPECT_DOUBLE_EQ(mean_average_precision({{{0, 0.9, {0, 0, 1, 0.5}}}}, truths, 1).map, 1);
  EXPECT_DOUBLE_EQ(mean_average_precision({{{0, 0.9, {0, 0, 1, 0.49}}}}, truths, 1).map, 0);
  // The wrong label never matches, whatever the overlap.
  EXPECT_DOUBLE_EQ(mean_average_precision({{{1, 0.9, {0, 0, 1, 1}}}}, truths, 2).map, 0);
  // A low-ranked hit after a high-ranked miss: recall 0 then 1 at precision 1/2.
  EXPECT_DOUBLE_EQ(mean_average_precision({{{0, 0.9, {2, 2, 3, 3}}, {0, 0.1, {0, 0, 1, 1}}}}, truths, 1).map, 0.5);
}

TEST(AveragePrecision, PerfectDetectionsScoreOne) {
  const std::vector<std::vector<Object>> truths = {{{0, {0, 0, 0.3, 0.3}}, {1, {0.5, 0.5, 1, 1}}}, {}, {{1, {0, 0, 1, 1}}}};
  std::vector<std::vector<Detection>> detections(truths.size());
  for (std::size_t i = 0; i < truths.size(); ++i)
    for (const Object& t : truths[i]) detections[i].push_back({t.label, 0.5, t.box});
  EXPECT_DOUBLE_EQ(mean_average_precision(detections, truths, 2).map, 1);
}

TEST(AveragePrecision, RefusesMismatchedInput) {
  const std::vector<std::vector<Object>> truths = {{{0, {0, 0, 1, 1}}}};
  EXPECT_THROW(mean_average_precision({}, truths, 1), Error);                          // image counts
  EXPECT_THROW(mean_average_precision({{}}, truths, 0), Error);                        // classes
  EXPECT_THROW(mean_average_precision({{{3, 0.5, {0, 0, 1, 1}}}}, truths, 2), Error);  // label
  EXPECT_THROW(mean_average_precision({{}}, {{{5, {0, 0, 1, 1}}}}, 2), Error);         // truth label
  EXPECT_THROW(mean_average_precision({{}}, truths, 1, 0), Error);                     // threshold
}

}  // namespace
}  // namespace soma::detection
