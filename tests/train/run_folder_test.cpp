// Run folders that two processes cannot share (src/train/run_folder.cpp): the folder is made
// with one mkdir that fails when it exists, a lock keeps a second writer out, and stale
// temporary files of killed writers are removed when the folder is next opened.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "soma/core/error.h"
#include "soma/train/run_folder.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("soma_run_folder_test_" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

TEST(RunFolders, MakeRunFolderSucceedsOnceForOneName) {
  TempDir tmp;
  const std::string dir = (tmp.path / "runs" / "a").string();
  EXPECT_TRUE(train::make_run_folder(dir));  // the runs folder is made too
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_FALSE(train::make_run_folder(dir));  // the second maker is told, not given the folder
}

TEST(RunFolders, ChooseCreatesNothingAndNumbersTakenNames) {
  TempDir tmp;
  const std::string runs = (tmp.path / "runs").string();
  EXPECT_EQ(train::choose_run_folder(runs, "x", false), runs + "/x");
  EXPECT_FALSE(fs::exists(runs));
  EXPECT_EQ(train::create_run_folder(runs, "x", false), runs + "/x");
  EXPECT_EQ(train::choose_run_folder(runs, "x", false), runs + "/x-2");
  EXPECT_EQ(train::choose_run_folder(runs, "x", true), runs + "/x");
  EXPECT_NE(test::error_message([&] { train::create_run_folder(runs, "x", true); }).find("exists already"),
            std::string::npos);
}

TEST(RunFolders, ASecondLockOnOneFolderIsRefusedUntilTheFirstEnds) {
  TempDir tmp;
  const std::string dir = tmp.path.string();
  {
    train::RunFolderLock first(dir);
    const std::string message = test::error_message([&] { train::RunFolderLock second(dir); });
    EXPECT_NE(message.find("is in use by another soma process"), std::string::npos) << message;
    EXPECT_NE(message.find(dir), std::string::npos) << message;
  }
  EXPECT_NO_THROW(train::RunFolderLock again(dir));  // released with the first
}

TEST(RunFolders, TheLockRemovesTemporaryFilesOfKilledWriters) {
  TempDir tmp;
  const fs::path stale = tmp.path / ".checkpoint.safetensors.4242.0.tmp";
  const fs::path kept = tmp.path / "metrics.csv";
  std::ofstream(stale) << "half a checkpoint";
  std::ofstream(kept) << "epoch\n";
  train::RunFolderLock lock(tmp.path.string());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(kept));
}

}  // namespace
}  // namespace soma
