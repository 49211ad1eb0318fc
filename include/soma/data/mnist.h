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

/// The MNIST folder found at run time: locate_dataset("mnist") (data/locate.h), which throws
/// soma::Error naming every place looked at when there is none.
std::string default_mnist_dir();

/// Fashion-MNIST (Zalando): 60000 "train" or 10000 "test" 28x28 grey images of 10 kinds of
/// clothing. x float32 [N, 1, 28, 28] with pixel / 255 in [0, 1] (as torchvision's ToTensor),
/// y int64 [N] in 0..9.
///   auto train = data::fashion_mnist("train");
/// `dir` holds {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (.gz) or not; "" means the
/// folder that locate_dataset("fashion-mnist") finds (data/locate.h: $SOMA_FASHION_MNIST_DIR,
/// $SOMA_DATA_DIR, /usr/share/datasets/fashion-mnist, <prefix>/share/soma/data).
/// Throws soma::Error for a split other than "train" and "test", for a missing file (saying how
/// to install it), for a damaged file (see read_idx), and for images that are not N x 28 x 28,
/// labels whose count differs from the images' or labels outside 0..9.
std::shared_ptr<TensorDataset> fashion_mnist(const std::string& split, const std::string& dir = "");

/// MNIST handwritten digits, in the same form as fashion_mnist: 60000 "train" or 10000 "test"
/// images, x float32 [N, 1, 28, 28] in [0, 1], y int64 [N] in 0..9. Same files and errors; ""
/// means the folder that locate_dataset("mnist") finds.
///   auto test = data::mnist("test");
std::shared_ptr<TensorDataset> mnist(const std::string& split, const std::string& dir = "");

}  // namespace soma::data
