// Box arithmetic on hand-made cases with known answers, and reading canvas targets.
#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/detection/box.h"

namespace soma::detection {
namespace {

TEST(Box, AreaAndIouOfHandMadeBoxes) {
  EXPECT_DOUBLE_EQ(area({0, 0, 2, 3}), 6);
  EXPECT_DOUBLE_EQ(area({2, 0, 1, 3}), 0);                     // x2 < x1: empty
  EXPECT_DOUBLE_EQ(iou({0, 0, 2, 2}, {0, 0, 2, 2}), 1);         // identical
  EXPECT_DOUBLE_EQ(iou({0, 0, 1, 1}, {2, 2, 3, 3}), 0);         // disjoint
  EXPECT_DOUBLE_EQ(iou({0, 0, 1, 1}, {1, 0, 2, 1}), 0);         // touching edges
  EXPECT_DOUBLE_EQ(iou({0, 0, 2, 1}, {1, 0, 3, 1}), 1.0 / 3);   // half of each: 1 / (2 + 2 - 1)
  EXPECT_DOUBLE_EQ(iou({0, 0, 2, 2}, {0, 0, 1, 1}), 0.25);      // contained
  EXPECT_DOUBLE_EQ(iou({0, 0, 2, 2}, {1, 1, 3, 3}), 1.0 / 7);   // corner overlap: 1 / (4 + 4 - 1)
  EXPECT_DOUBLE_EQ(iou({0, 0, 0, 0}, {0, 0, 0, 0}), 0);         // empty union
  EXPECT_DOUBLE_EQ(iou({0, 0, 1, 1}, {1, 1, 0, 0}), 0);         // an empty box
}

TEST(Box, ObjectsOfCanvasTargetsSkipEmptyRows) {
  const Tensor y = tensor({3, 0.1, 0.2, 0.3, 0.4, -1, 0, 0, 0, 0,  //
                           -1, 0, 0, 0, 0, -1, 0, 0, 0, 0,          //
                           0, 0.5, 0.5, 1, 1, 7, 0, 0, 0.25, 0.5},
                          {3, 2, 5});
  const auto objects = objects_of(y);
  ASSERT_EQ(objects.size(), 3u);
  ASSERT_EQ(objects[0].size(), 1u);
  EXPECT_EQ(objects[0][0].label, 3);
  EXPECT_NEAR(objects[0][0].box.y2, 0.4, 1e-7);
  EXPECT_TRUE(objects[1].empty());
  ASSERT_EQ(objects[2].size(), 2u);
  EXPECT_EQ(objects[2][1].label, 7);
  EXPECT_DOUBLE_EQ(objects[2][1].box.x2, 0.25);
  EXPECT_THROW(objects_of(zeros({2, 5})), Error);
  EXPECT_THROW(objects_of(zeros({2, 1, 4})), Error);
}

}  // namespace
}  // namespace soma::detection
