// End to end on real data: B2's MLP trained by the Trainer on 5000 Fashion-MNIST images for
// 3 epochs must reach more than 75% accuracy on 1000 test images (seeded; it gets 0.83).
// Skipped when the dataset package is not installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "soma/soma.h"

namespace soma {
namespace {

std::shared_ptr<data::TensorDataset> first_rows(const std::shared_ptr<data::TensorDataset>& images, std::int64_t n) {
  return std::make_shared<data::TensorDataset>(reshape(slice(images->x(), 0, 0, n), {n, 784}),
                                               slice(images->y(), 0, 0, n));
}

TEST(TrainFashion, MlpLearnsASubset) {
  if (!std::filesystem::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  const auto train = first_rows(data::fashion_mnist("train"), 5000);
  const auto test = first_rows(data::fashion_mnist("test"), 1000);
  manual_seed(0);
  nn::Sequential net{nn::Dense(784, 256), nn::ReLU(), nn::Dense(256, 128), nn::ReLU(), nn::Dense(128, 10)};
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  train::Trainer trainer(net, opt, loss::CrossEntropy());
  const auto history = trainer.fit(train, {.epochs = 3, .batch_size = 64, .seed = 1, .verbose = 0});
  EXPECT_LT(history["loss"][1], history["loss"][0]);
  const auto m = trainer.evaluate(test, 500);
  EXPECT_GT(m.accuracy, 0.75) << "test loss " << m.loss;
}

}  // namespace
}  // namespace soma
