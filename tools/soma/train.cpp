// soma train: builds a run from a config (or the built-in default), trains it with the
// Trainer, and wires the run folder's sink (train/run_folder.h) to the event stream. An
// interrupted run (Ctrl-C) saves a checkpoint at the next step and `soma train --resume runs/X`
// continues it exactly: the loop restores the weights, optimizer, generators, loader position
// and every callback's state, and the sink drops the rows written after that checkpoint.
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <soma/core/factory.h>
#include <soma/core/generator.h>
#include <soma/core/threads.h>
#include <soma/io/atomic_file.h>
#include <soma/io/checkpoint.h>
#include <soma/train/run_folder.h>
#include <soma/train/trainer.h>

#include "commands.h"
#include "run_folder.h"

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

std::atomic<bool> interrupted{false};

// When `soma train` checkpoints: at epoch ends (at most every few seconds: an XOR run has
// thousands of one-step epochs, but always after the first and the last), at the end, and when
// the run is interrupted (Ctrl-C, or --stop-after for the tests), after which it stops the loop.
class RunCheckpoints : public train::Callback {
 public:
  RunCheckpoints(std::string path, std::int64_t stop_after) : path_(std::move(path)), stop_after_(stop_after) {}
  std::string name() const override { return "RunCheckpoints"; }

  void on_batch_end(train::Context& context, std::int64_t, const train::Logs&) override {
    if (interrupted || (stop_after_ > 0 && context.step() >= stop_after_)) {
      context.save_checkpoint(path_);
      context.interrupt();
    }
  }
  void on_epoch_end(train::Context& context, std::int64_t, train::Logs&) override {
    const auto now = std::chrono::steady_clock::now();
    if (!saved_ || now - last_save_ > std::chrono::seconds(5) || context.history().size() + 1 >= context.epochs()) {
      context.save_checkpoint(path_);
      last_save_ = now;
      saved_ = true;
    }
  }
  void on_train_end(train::Context& context) override { context.save_checkpoint(path_); }

 private:
  std::string path_;
  std::int64_t stop_after_;
  bool saved_ = false;
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();
};

config::Json& data_object(config::Json& cfg) {
  if (!cfg.contains("data") || cfg["data"].is_string()) cfg["data"] = config::Json{{"dataset", cfg.value("data", config::Json("fashion-mnist"))}};
  return cfg["data"];
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return buf;
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * x);
  return buf;
}

// The report's opening table: what was trained, on what, how, and the test result.
std::vector<std::pair<std::string, std::string>> summary(const config::Experiment& e, const config::Json& info,
                                                         std::int64_t epochs_done, const train::Metrics* test) {
  std::vector<std::pair<std::string, std::string>> rows{
      {"soma", version()},
      {"machine", info.value("machine", "")},
      {"threads", std::to_string(info.value("threads", 0))},
      {"seed", std::to_string(e.settings.seed)},
      {"data", std::to_string(e.data.train->size()) + " training examples" +
                   (e.data.test ? ", " + std::to_string(e.data.test->size()) + " test examples" : std::string()) +
                   " of shape " + config::shape_text(e.data.input_shape)},
      {"model", std::to_string(e.model.layers.size()) + " layers, " +
                    std::to_string(e.model.model->parameter_count()) + " parameters"},
      {"optimizer", e.resolved["optimizer"].dump()},
      {"loss", e.resolved["loss"].dump()},
      {"epochs, batch size", std::to_string(epochs_done) + " of " + std::to_string(e.settings.epochs) + ", " +
                                 std::to_string(e.settings.batch_size)}};
  if (info.contains("seconds")) rows.emplace_back("training time", std::to_string(int(info["seconds"].get<double>())) + " s");
  if (test) {
    rows.emplace_back("test loss", std::to_string(test->loss));
    if (!std::isnan(test->accuracy)) rows.emplace_back("test accuracy", percent(test->accuracy));
  }
  rows.emplace_back("files", "`config.json` (the config with every default filled in), `run.json`, "
                             "`checkpoint.safetensors` (resumable), `model.safetensors` (final weights and config)");
  return rows;
}

}  // namespace

int train(const TrainArgs& args) {
  const bool resuming = !args.resume.empty();
  config::Json cfg;
  std::string base_dir = ".";
  RunFolder run;
  if (resuming) {
    run.dir = fs::path(args.resume).lexically_normal().string();
    if (!run.dir.empty() && run.dir.back() == '/') run.dir.pop_back();
    SOMA_CHECK(fs::is_directory(run.dir), "--resume: '", args.resume, "' is not a run folder");
    SOMA_CHECK(fs::exists(run.config()), "--resume: '", args.resume, "' has no config.json; is it a run folder?");
    SOMA_CHECK(fs::exists(run.checkpoint()), "--resume: '", args.resume,
               "' has no checkpoint.safetensors (the run stopped before its first checkpoint); start it again");
    SOMA_CHECK(args.config.empty(), "--resume continues a run with its own config.json; give no CONFIG");
    SOMA_CHECK(!args.seed && !args.limit && !args.test_limit && args.name.empty(),
               "--resume: only --epochs and --threads may change when a run continues");
    cfg = config::read_json_file(run.config());
  } else {
    if (args.config.empty()) {
      cfg = config::default_config();
    } else {
      cfg = config::read_json_file(args.config);
      base_dir = fs::path(args.config).parent_path().string();
      if (base_dir.empty()) base_dir = ".";
    }
    if (!cfg.is_object()) config::fail("", "the config must be a JSON object {...}, got " + config::describe(cfg));
    if (args.seed) cfg["seed"] = *args.seed;
    if (args.limit) data_object(cfg)["limit"] = *args.limit;
    if (args.test_limit) data_object(cfg)["test_limit"] = *args.test_limit;
  }
  if (args.epochs) cfg["epochs"] = *args.epochs;
  if (args.threads) cfg["threads"] = *args.threads;

  // Settings first, so the threads apply to the data loading and the model's dry run.
  {
    config::Section top(cfg, "", "the config");
    const config::Settings s = config::read_settings(top);
    if (s.threads > 0) set_num_threads(s.threads);
    if (!resuming) {
      run.dir = train::create_run_folder(args.runs_dir, args.name.empty() ? s.name : args.name, !args.name.empty());
    }
  }
  cfg["name"] = fs::path(run.dir).filename().string();
  config::Experiment e = config::build_experiment(cfg, {.base_dir = base_dir, .run_dir = run.dir});

  config::Json info = resuming && fs::exists(run.file("run.json")) ? config::read_json_file(run.file("run.json"))
                                                                     : config::Json::object();
  info["soma_version"] = version();
  info["seed"] = e.settings.seed;
  info["machine"] = machine_description();
  info["threads"] = num_threads();
  if (!resuming) info["started"] = timestamp();
  info["status"] = "running";
  if (resuming) info["resumed"] = timestamp();
  write_json(run.config(), e.resolved);
  write_json(run.file("run.json"), info);

  std::printf("soma %s: %s %s, %lld parameters, on %lld training examples%s of shape %s; %lld epoch%s, batch %lld,"
              " %d threads\nrun folder: %s\n",
              version(), resuming ? "resuming" : "training", args.config.empty() && !resuming ? "the default CNN" : "a model",
              static_cast<long long>(e.model.model->parameter_count()), static_cast<long long>(e.data.train->size()),
              e.data.test ? (" (" + std::to_string(e.data.test->size()) + " test)").c_str() : "",
              config::shape_text(e.data.input_shape).c_str(), static_cast<long long>(e.settings.epochs),
              e.settings.epochs == 1 ? "" : "s", static_cast<long long>(e.settings.batch_size), num_threads(),
              run.dir.c_str());
  std::fflush(stdout);

  auto folder = std::make_shared<train::RunFolderSink>(run.dir);
  train::Trainer trainer(*e.model.model, *e.optimizer, *e.loss);
  train::FitOptions fit;
  fit.epochs = e.settings.epochs;
  fit.batch_size = e.settings.batch_size;
  fit.shuffle = e.settings.shuffle;
  if (e.settings.validate && e.data.test) fit.validation = e.data.test;
  fit.validation_split = e.settings.validation_split;
  fit.callbacks = e.callbacks;
  fit.callbacks.push_back(std::make_shared<RunCheckpoints>(run.checkpoint(), args.stop_after));
  fit.sinks = {folder};
  fit.seed = e.settings.seed;
  fit.verbose = e.settings.verbose;
  fit.checkpoint_path = run.checkpoint();
  fit.checkpoint_every_n_batches = e.settings.checkpoint_every;
  fit.transforms = e.augment;
  fit.clip_grad_norm = e.settings.clip_grad_norm;
  fit.clip_grad_value = e.settings.clip_grad_value;
  if (resuming) fit.resume_from = run.checkpoint();

  // The first Ctrl-C asks for a checkpoint at the next step; a second one kills as usual.
  std::signal(SIGINT, [](int) {
    interrupted = true;
    std::signal(SIGINT, SIG_DFL);
  });
  const auto start = std::chrono::steady_clock::now();
  const train::History history = trainer.fit(e.data.train, fit);
  if (trainer.interrupted()) {
    info["status"] = "interrupted";
    info["step"] = trainer.step();
    write_json(run.file("run.json"), info);
    std::printf("\ninterrupted after step %lld; the checkpoint is saved. Continue with:\n  soma train --resume %s\n",
                static_cast<long long>(trainer.step()), run.dir.c_str());
    return 3;
  }
  std::signal(SIGINT, SIG_DFL);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  save_model(run, e);
  std::optional<train::Metrics> test;
  if (e.data.test) test = trainer.evaluate(e.data.test, 256);
  info["status"] = "finished";
  info["seconds"] = info.value("seconds", 0.0) + seconds;
  if (test) {
    info["test_loss"] = test->loss;
    if (!std::isnan(test->accuracy)) info["test_accuracy"] = test->accuracy;
  }
  write_json(run.file("run.json"), info);
  folder->set_summary(summary(e, info, history.size(), test ? &*test : nullptr));
  folder->write_report();
  std::printf("trained in %.1f s; wrote %s/{model.safetensors, metrics.csv, loss.png, report.md, ...}\n", seconds,
              run.dir.c_str());
  if (test) {
    std::printf("test loss %.4f\n", test->loss);
    if (!std::isnan(test->accuracy)) std::printf("test accuracy %.4f\n", test->accuracy);
  } else if (history.contains("loss") && !history["loss"].empty()) {
    std::printf("final training loss %.6g\n", history["loss"].back());
  }
  return 0;
}

}  // namespace soma::cli
