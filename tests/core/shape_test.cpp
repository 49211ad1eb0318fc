// Tests for Shape (src/core/shape.cpp): construction limits, numel, axis normalization with
// negative axes and its out-of-range errors, equality and printing.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "soma/core/error.h"
#include "soma/core/shape.h"

namespace soma {
namespace {

TEST(ShapeTest, StoresSizesOutermostFirstAndCountsElements) {
  const Shape s{2, 3, 4};
  EXPECT_EQ(s.dim(), 3);
  EXPECT_EQ(s[0], 2);
  EXPECT_EQ(s[2], 4);
  EXPECT_EQ(s.numel(), 24);
  EXPECT_EQ(std::vector<std::int64_t>(s.begin(), s.end()), (std::vector<std::int64_t>{2, 3, 4}));
}

TEST(ShapeTest, ScalarShapeHasOneElementAndEmptyAxisHasNone) {
  EXPECT_EQ(Shape{}.dim(), 0);
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_EQ((Shape{4, 0, 3}.numel()), 0);
}

TEST(ShapeTest, AxisNormalizesNegativeAxesFromTheEnd) {
  const Shape s{2, 3, 4};
  EXPECT_EQ(s.axis(0), 0);
  EXPECT_EQ(s.axis(2), 2);
  EXPECT_EQ(s.axis(-1), 2);
  EXPECT_EQ(s.axis(-3), 0);
  EXPECT_EQ(s.size(-1), 4);
  EXPECT_EQ(s.size(-2), 3);
  EXPECT_EQ(s.size(0), 2);
}

TEST(ShapeTest, AxisOutOfRangeThrowsNamingAxisAndShape) {
  const Shape s{2, 3, 4};
  for (int bad : {3, 4, -4, -100}) {
    try {
      s.axis(bad);
      ADD_FAILURE() << "axis " << bad << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "axis " + std::to_string(bad) + " is out of range for a tensor of shape [2, 3, 4]");
    }
  }
  EXPECT_THROW(s.size(3), Error);
  EXPECT_THROW(Shape{}.axis(0), Error);
  EXPECT_THROW(Shape{}.axis(-1), Error);
}

TEST(ShapeTest, RejectsNegativeSizesAndMoreThanEightDims) {
  EXPECT_THROW((Shape{2, -1}), Error);
  EXPECT_NO_THROW((Shape{1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_THROW((Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}), Error);
  Shape s{1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_THROW(s.push_back(1), Error);
  Shape t;
  EXPECT_THROW(t.push_back(-3), Error);
}

TEST(ShapeTest, SpanConstructorMatchesInitializerList) {
  const std::vector<std::int64_t> sizes{5, 6};
  EXPECT_EQ(Shape(std::span<const std::int64_t>(sizes)), (Shape{5, 6}));
}

TEST(ShapeTest, EqualityComparesRankAndSizes) {
  EXPECT_EQ((Shape{2, 3}), (Shape{2, 3}));
  EXPECT_FALSE((Shape{2, 3}) == (Shape{3, 2}));
  EXPECT_FALSE((Shape{2, 3}) == (Shape{2, 3, 1}));
  EXPECT_FALSE(Shape{} == Shape{1});
}

TEST(ShapeTest, PrintsAsBracketedList) {
  EXPECT_EQ((Shape{64, 784}).str(), "[64, 784]");
  EXPECT_EQ(Shape{}.str(), "[]");
  std::ostringstream os;
  os << Shape{7};
  EXPECT_EQ(os.str(), "[7]");
}

}  // namespace
}  // namespace soma
