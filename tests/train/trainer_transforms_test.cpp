// FitOptions::transforms: applied to every training batch, never to validation, evaluate or
// predict batches.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "soma/soma.h"
#include "train/train_test_util.h"

namespace soma {
namespace {

TEST(TrainTrainer, TransformsApplyToTrainingBatchesOnly) {
  const auto train_set = test::train::blobs(70, 1), val_set = test::train::blobs(30, 2);
  manual_seed(3);
  auto net = test::train::blob_model();
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  train::Trainer trainer(*net, opt, loss::CrossEntropy());
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto rows = std::make_shared<std::atomic<std::int64_t>>(0);
  const data::Transform count = [calls, rows](data::Batch batch, Generator&) {
    ++*calls;
    *rows += batch.x.size(0);
    return batch;
  };
  trainer.fit(train_set, {.epochs = 2, .batch_size = 16, .validation = val_set, .verbose = 0, .transforms = {count}});
  EXPECT_EQ(calls->load(), 2 * 5);  // 70 examples: 5 batches of at most 16, twice
  EXPECT_EQ(rows->load(), 2 * 70);
  trainer.evaluate(val_set);
  trainer.predict(val_set);
  EXPECT_EQ(calls->load(), 2 * 5);
}

}  // namespace
}  // namespace soma
