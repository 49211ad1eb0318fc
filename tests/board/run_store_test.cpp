// RunStore: the run list (status, summary, final metrics, pictures) and chart series of a runs
// folder, including runs whose files are malformed, half written or still growing.
#include <gtest/gtest.h>

#include <cmath>
#include <fcntl.h>
#include <sys/file.h>

#include <soma/board/run_store.h>
#include <soma/core/error.h>

#include "fixture.h"

using namespace soma::board;
using soma::board::testing::RunsFolder;
using nlohmann::json;

namespace {

const json* find_run(const json& runs, const std::string& name) {
  for (const auto& r : runs)
    if (r["name"] == name) return &r;
  return nullptr;
}

}  // namespace

TEST(RunStore, RejectsAMissingFolder) { EXPECT_THROW(RunStore("/nonexistent/soma/runs"), soma::Error); }

TEST(RunStore, ListsRunsWithStatusSummaryAndFinalMetrics) {
  RunsFolder f;
  f.write("a", "run.json", R"({"status": "finished", "started": "2026-12-01 10:00:00", "test_accuracy": 0.9})");
  f.write("a", "config.json", R"({"name": "a", "epochs": 2, "optimizer": {"type": "adam", "lr": 0.001}, "model": {"layers": []}})");
  f.write("a", "metrics.csv", "epoch,step,loss,val_loss\n0,10,1.5,1.6\n1,20,0.5,NA\n");
  f.write("a", "steps.csv", "step,epoch,loss\n1,0,2\n2,0,1.75\n");
  f.write("a", "samples_epoch_1.png", "x");
  f.write("a", "samples_epoch_2.png", "x");
  f.write("b", "run.json", R"({"status": "interrupted", "started": "2026-12-02 10:00:00"})");
  f.write("b", "metrics.csv", "epoch,loss\n");
  f.write("c", "run.json", R"({"status": "running", "started": "2026-12-03 10:00:00"})");  // killed: no lock held
  f.write("not_a_run", "notes.txt", "hello");
  RunStore store(f.dir.string());
  const json runs = store.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["name"], "c");  // newest first
  EXPECT_EQ(runs[2]["name"], "a");
  const json& a = *find_run(runs, "a");
  EXPECT_EQ(a["status"], "finished");
  EXPECT_EQ(a["config"], json::parse(R"([["epochs", 2], ["optimizer.type", "adam"], ["optimizer.lr", 0.001]])"));
  EXPECT_EQ(a["final"]["loss"], 0.5);
  EXPECT_TRUE(a["final"]["val_loss"].is_null());  // NA in JSON
  EXPECT_EQ(a["final"]["test_accuracy"], 0.9);
  EXPECT_EQ(a["steps"]["columns"], json::parse(R"(["step", "epoch", "loss"])"));
  EXPECT_EQ(a["steps"]["last"]["loss"], 1.75);
  EXPECT_EQ(a["images"]["samples"], json::parse("[1, 2]"));
  EXPECT_EQ(find_run(runs, "b")->at("status"), "stopped");
  EXPECT_EQ(find_run(runs, "c")->at("status"), "stopped");
}

TEST(RunStore, ARunWhoseWriterHoldsTheLockIsRunning) {
  RunsFolder f;
  f.write("live", "run.json", R"({"status": "running"})");
  f.write("live", "lock", "");
  const int fd = ::open((f.dir / "live" / "lock").c_str(), O_RDWR);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  RunStore store(f.dir.string());
  EXPECT_EQ(store.runs()[0]["status"], "running");
  ::close(fd);
  EXPECT_EQ(store.runs()[0]["status"], "stopped");
}

TEST(RunStore, MalformedAndHalfWrittenFilesShowAsFarAsValid) {
  RunsFolder f;
  f.write("bad", "run.json", R"({"status": "fini)");  // half written
  f.write("bad", "config.json", "not json");
  f.write("bad", "metrics.csv", "epoch,loss\n0,1\n1,oops\n2,0.5\n");
  f.write("bad", "steps.csv", "step,loss\n1,3\n2,2\n3,1");
  f.write("bad", "lock", "");
  RunStore store(f.dir.string());
  const json runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "unknown");
  EXPECT_EQ(runs[0]["metrics"]["rows"], 1);
  EXPECT_EQ(runs[0]["errors"][0], "metrics.csv line 3: expected a number, found 'oops'");
  EXPECT_EQ(runs[0]["steps"]["last"]["loss"], 2);  // the half line is not read
  EXPECT_TRUE(store.config("bad").is_null());
  const json s = store.series({.runs = {"bad"}, .file = "steps", .column = "loss"})["series"];
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0]["y"], json::parse("[3, 2]"));
  EXPECT_EQ(s[0]["last"], 2);
}

TEST(RunStore, SeriesFollowAFileGrowingWhileItIsRead) {
  RunsFolder f;
  f.write("r", "steps.csv", "step,epoch,loss,episode_return\n");
  RunStore store(f.dir.string());
  const SeriesQuery q{.runs = {"r", "missing"}, .file = "steps", .column = "loss"};
  EXPECT_EQ(store.series(q)["series"][0]["n"], 0);
  for (int i = 1; i <= 300; ++i) {
    f.write("r", "steps.csv", std::to_string(i) + ",0," + std::to_string(1000 - i) + (i % 100 ? ",NA\n" : ",7\n"), true);
    if (i % 100 == 0) {
      const json s = store.series(q)["series"];
      ASSERT_EQ(s.size(), 1u);  // the missing run is left out
      EXPECT_EQ(s[0]["n"], i);
      EXPECT_EQ(s[0]["last"], 1000 - i);
    }
  }
  f.write("r", "steps.csv", "301,1,0.00", true);  // half a line: not there yet
  EXPECT_EQ(store.series(q)["series"][0]["n"], 300);
  // Sparse values (an RL run's episode returns): only the finite points, in step order.
  const json returns = store.series({.runs = {"r"}, .file = "steps", .column = "episode_return"});
  EXPECT_EQ(returns["aligned"], false);
  EXPECT_EQ(returns["series"][0]["x"], json::parse("[100, 200, 300]"));
  // More points than 2 per pixel: per-pixel min and max on x shared by the chart's runs.
  const json narrow = store.series({.runs = {"r"}, .file = "steps", .column = "loss", .pixels = 10});
  EXPECT_EQ(narrow["aligned"], true);
  EXPECT_EQ(narrow["x"].size(), 20u);
  EXPECT_EQ(narrow["series"][0]["y"][0], 999);  // step 1's loss, the first column's highest
  EXPECT_EQ(narrow["series"][0]["y"][19], 700);  // step 300's, the last column's lowest
  // The list reads the parsed table once a chart has loaded it.
  EXPECT_EQ(store.runs()[0]["steps"]["last"]["step"], 300);
}

TEST(RunStore, SeriesByEpochSmoothedAndDecimated) {
  RunsFolder f;
  std::string steps = "step,epoch,loss\n";
  for (int i = 1; i <= 8; ++i) steps += std::to_string(i) + "," + std::to_string((i - 1) / 4) + ",1\n";
  steps += "9,2,1\n";  // the third epoch has begun
  f.write("r", "steps.csv", steps);
  f.write("r", "metrics.csv", "epoch,loss\n0,4\n1,2\n");
  RunStore store(f.dir.string());
  const json by_epoch = store.series({.runs = {"r"}, .file = "steps", .column = "loss", .x = "epoch"})["series"];
  EXPECT_EQ(by_epoch[0]["x"], json::parse("[0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25]"));
  const json epochs = store.series({.runs = {"r"}, .file = "metrics", .column = "loss", .x = "epoch", .smooth = 0.5})["series"];
  EXPECT_EQ(epochs[0]["x"], json::parse("[1, 2]"));
  EXPECT_DOUBLE_EQ(epochs[0]["y"][1].get<double>(), (0.25 * 4 + 0.5 * 2) / 0.75);
  EXPECT_EQ(epochs[0]["last"], 2);  // the raw last value, not the smoothed one
  EXPECT_THROW(store.series({.runs = {"r"}, .file = "../x", .column = "loss"}), soma::Error);
  EXPECT_THROW(store.series({.runs = {"r"}, .column = "loss", .x = "wall"}), soma::Error);
  EXPECT_THROW(store.series({.runs = {"r"}, .column = "loss", .smooth = 1}), soma::Error);
}

TEST(RunStore, SeriesByWallTimeFromTimesCsv) {
  RunsFolder f;
  f.write("r", "steps.csv", "step,epoch,loss\n1,0,3\n2,0,2\n3,1,1\n4,1,0.5\n");
  f.write("r", "times.csv", "step,time\n1,0.5\n2,1\n4,9\n");  // step 3's time is missing
  f.write("r", "metrics.csv", "epoch,step,loss\n0,2,2.5\n1,4,0.75\n");
  f.write("old", "steps.csv", "step,epoch,loss\n1,0,3\n");  // written before times.csv existed
  RunStore store(f.dir.string());
  const json steps = store.series({.runs = {"r", "old"}, .file = "steps", .column = "loss", .x = "time"})["series"];
  EXPECT_EQ(steps[0]["x"], json::parse("[0.5, 1, 9]"));
  EXPECT_EQ(steps[0]["y"], json::parse("[3, 2, 0.5]"));
  EXPECT_EQ(steps[1]["x"], json::array());  // no times: no points, and no error
  const json epochs = store.series({.runs = {"r"}, .file = "metrics", .column = "loss", .x = "time"})["series"];
  EXPECT_EQ(epochs[0]["x"], json::parse("[1, 9]"));
}

TEST(RunStore, ServesOnlyFilesInsideTheRunsFolder) {
  RunsFolder f;
  f.write("r", "metrics.csv", "epoch,loss\n");
  f.write("r", "samples_epoch_1.png", "png");
  f.write("r", "model.safetensors", "weights");
  f.write("r", ".secret.json", "{}");
  std::filesystem::create_symlink("/etc/passwd", f.dir / "r" / "passwd.txt");
  RunStore store(f.dir.string());
  EXPECT_EQ(store.file_path("r", "samples_epoch_1.png"), std::filesystem::canonical(f.dir / "r" / "samples_epoch_1.png").string());
  EXPECT_EQ(store.file_path("r", "../r/samples_epoch_1.png"), "");
  EXPECT_EQ(store.file_path("..", "etc/passwd"), "");
  EXPECT_EQ(store.file_path("r", "passwd.txt"), "");  // a link out of the runs folder
  EXPECT_EQ(store.file_path("r", "model.safetensors"), "");
  EXPECT_EQ(store.file_path("r", ".secret.json"), "");
  EXPECT_EQ(store.file_path("nope", "metrics.csv"), "");
}
