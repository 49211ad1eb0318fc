// History (train/history.h): series stay aligned when names come and go.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_test_util.h"
#include "soma/train/history.h"

namespace soma {
namespace {

TEST(TrainHistory, RecordsSeriesPerEpoch) {
  train::History h;
  EXPECT_TRUE(h.empty());
  h.append(0, {{"loss", 1.0}, {"accuracy", 0.5}});
  h.append(1, {{"loss", 0.5}, {"accuracy", 0.75}, {"val_loss", 0.6}});
  h.append(2, {{"loss", 0.25}});
  EXPECT_EQ(h.size(), 3);
  EXPECT_EQ(h.epochs(), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(h["loss"], (std::vector<double>{1.0, 0.5, 0.25}));
  ASSERT_EQ(h["val_loss"].size(), 3u);
  EXPECT_TRUE(std::isnan(h["val_loss"][0]));
  EXPECT_DOUBLE_EQ(h["val_loss"][1], 0.6);
  EXPECT_TRUE(std::isnan(h["accuracy"][2]));
  EXPECT_EQ(h.row(1), (train::Logs{{"loss", 0.5}, {"accuracy", 0.75}, {"val_loss", 0.6}}));
  EXPECT_EQ(h.row(2), (train::Logs{{"loss", 0.25}}));
  EXPECT_TRUE(h.contains("accuracy"));
  EXPECT_FALSE(h.contains("lr"));
  EXPECT_TRUE(test::throws_error_with([&] { h["lr"]; }, {"lr", "accuracy, loss, val_loss"}));
  EXPECT_TRUE(test::throws_error_with([&] { h.row(3); }, {"3"}));
}

}  // namespace
}  // namespace soma
