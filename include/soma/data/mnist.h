// Fashion-MNIST and MNIST as in-memory datasets, read from the files the project's setup
// installs (scripts/install-deps.sh). Nothing is downloaded from here: a missing file is an
// error that says how to install it.
#pragma once

#include <memory>
#include <string>

#include "soma/data/dataset.h"

namespace soma::data {

/// Where the Debian package dataset-fashion-mnist puts its gzipped IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// The MNIST folder, found at run time: data::locate_dataset("mnist") (soma/data/locate.h), which
/// throws soma::Error naming every place it looked at when the set is nowhere.
std::string default_mnist_dir();

/// Fashion-MNIST (Zalando): 60000 "train" or 10000 "test" 28x28 grey images of 10 kinds of
/// clothing. x float32 [N, 1, 28, 28] with pixel / 255 in [0, 1] (as torchvision's ToTensor),
/// y int64 [N] in 0..9.
///   auto train = data::fashion_mnist("train");
/// `dir` holds {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (.gz) or not; the default
/// kFashionMnistDir means: found at run time by locate_dataset("fashion-mnist") (data/locate.h).
/// Throws soma::Error for a bad split, a missing file (saying how to install it), a damaged file
/// (read_idx), images not N x 28 x 28, a label count unlike the images' or labels outside 0..9.
std::shared_ptr<TensorDataset> fashion_mnist(const std::string& split, const std::string& dir = kFashionMnistDir);

/// MNIST handwritten digits, in the same form as fashion_mnist: 60000 "train" or 10000 "test"
/// images, x float32 [N, 1, 28, 28] in [0, 1], y int64 [N] in 0..9. Same files and errors.
///   auto test = data::mnist("test");
std::shared_ptr<TensorDataset> mnist(const std::string& split, const std::string& dir = default_mnist_dir());

}  // namespace soma::data
