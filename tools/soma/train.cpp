// soma train: builds a run from a config (or the built-in default), trains it with the
// Trainer, and fills the run folder. An interrupted run (Ctrl-C) saves a checkpoint at the
// next step and `soma train --resume runs/X` continues it exactly: the Trainer restores the
// weights, optimizer, generators, loader position and every callback's state, including the
// step log below.
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
#include <soma/train/trainer.h>

#include "commands.h"
#include "run_folder.h"

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

std::atomic<bool> interrupted{false};

struct Interrupted {};

// Records every step's batch loss and accuracy (recovered from the epoch's running means),
// checkpoints the run at epoch ends and on interruption, and rewrites the metrics files and
// curves now and then. Its records are part of its state_dict, so a resumed run's files hold
// the steps before the interruption too.
class StepLog : public train::Callback {
 public:
  StepLog(const RunFolder& run, std::int64_t train_size, std::int64_t batch_size, std::int64_t stop_after)
      : run_(run), train_size_(train_size), batch_size_(batch_size), stop_after_(stop_after) {}
  std::string name() const override { return "StepLog"; }

  void on_batch_end(train::Trainer& trainer, std::int64_t batch, const train::Logs& logs) override {
    // Examples seen in the epoch after this batch and before it.
    const double n = double(std::min((batch + 1) * batch_size_, train_size_));
    const double n_before = double(std::min(batch * batch_size_, train_size_));
    auto batch_value = [&](const char* key, double& previous_mean) {
      const auto it = logs.find(key);
      if (it == logs.end()) return double(NAN);
      const double before = batch == 0 ? 0 : previous_mean * n_before;
      previous_mean = it->second;
      return (it->second * n - before) / (n - n_before);
    };
    StepRecord r;
    r.step = trainer.step();
    r.epoch = epoch_;
    r.loss = batch_value("loss", mean_loss_);
    r.accuracy = batch_value("accuracy", mean_accuracy_);
    steps_.push_back(r);
    if (interrupted || (stop_after_ > 0 && trainer.step() >= stop_after_)) {
      trainer.save_checkpoint(run_.checkpoint());
      throw Interrupted{};
    }
  }
  void on_epoch_begin(train::Trainer&, std::int64_t epoch) override { epoch_ = epoch; }
  void on_epoch_end(train::Trainer& trainer, std::int64_t, train::Logs&) override {
    // Checkpoint and refresh the files at most every few seconds: an XOR run has thousands of
    // one-step epochs.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_save_ > std::chrono::seconds(5) || trainer.history().size() + 1 >= trainer.epochs()) {
      trainer.save_checkpoint(run_.checkpoint());
      last_save_ = now;
    }
  }
  void on_train_end(train::Trainer& trainer) override { trainer.save_checkpoint(run_.checkpoint()); }

  std::map<std::string, Tensor> state_dict() const override {
    const auto n = std::int64_t(steps_.size());
    Tensor step({n}, DType::i64), epoch({n}, DType::i64), loss({n}, DType::f64), accuracy({n}, DType::f64);
    for (std::int64_t i = 0; i < n; ++i) {
      step.data<std::int64_t>()[i] = steps_[i].step;
      epoch.data<std::int64_t>()[i] = steps_[i].epoch;
      loss.data<double>()[i] = steps_[i].loss;
      accuracy.data<double>()[i] = steps_[i].accuracy;
    }
    return {{"step", step},
            {"epoch", epoch},
            {"loss", loss},
            {"accuracy", accuracy},
            {"mean_loss", train::detail::state_value(mean_loss_)},
            {"mean_accuracy", train::detail::state_value(mean_accuracy_)}};
  }
  void load_state_dict(const std::map<std::string, Tensor>& state) override {
    for (const char* key : {"step", "epoch", "loss", "accuracy"})
      SOMA_CHECK(state.count(key), "StepLog: the checkpoint has no '", key, "'");
    const Tensor &step = state.at("step"), &epoch = state.at("epoch"), &loss = state.at("loss"),
                 &accuracy = state.at("accuracy");
    steps_.clear();
    for (std::int64_t i = 0; i < step.numel(); ++i)
      steps_.push_back({step.data<std::int64_t>()[i], epoch.data<std::int64_t>()[i], loss.data<double>()[i],
                        accuracy.data<double>()[i]});
    mean_loss_ = train::detail::read_value(state, "mean_loss", "StepLog");
    mean_accuracy_ = train::detail::read_value(state, "mean_accuracy", "StepLog");
  }

  const std::vector<StepRecord>& steps() const { return steps_; }

 private:
  RunFolder run_;
  std::int64_t train_size_, batch_size_, stop_after_;
  std::int64_t epoch_ = 0;
  double mean_loss_ = 0, mean_accuracy_ = 0;
  std::vector<StepRecord> steps_;
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

void write_report(const RunFolder& run, const config::Experiment& e, const config::Json& info,
                  const train::History& history, const train::Metrics* test) {
  std::string md = "# Run " + fs::path(run.dir).filename().string() + "\n\n";
  md += "| | |\n|---|---|\n";
  md += "| soma | " + std::string(version()) + " |\n";
  md += "| machine | " + info.value("machine", "") + " |\n";
  md += "| threads | " + std::to_string(info.value("threads", 0)) + " |\n";
  md += "| seed | " + std::to_string(e.settings.seed) + " |\n";
  md += "| data | " + std::to_string(e.data.train->size()) + " training examples" +
        (e.data.test ? ", " + std::to_string(e.data.test->size()) + " test examples" : std::string()) + " of shape " +
        config::shape_text(e.data.input_shape) + " |\n";
  md += "| model | " + std::to_string(e.model.layers.size()) + " layers, " +
        std::to_string(e.model.model->parameter_count()) + " parameters |\n";
  md += "| optimizer | " + e.resolved["optimizer"].dump() + " |\n";
  md += "| loss | " + e.resolved["loss"].dump() + " |\n";
  md += "| epochs, batch size | " + std::to_string(history.size()) + " of " + std::to_string(e.settings.epochs) +
        ", " + std::to_string(e.settings.batch_size) + " |\n";
  if (info.contains("seconds")) md += "| training time | " + std::to_string(int(info["seconds"].get<double>())) + " s |\n";
  if (test) {
    md += "| test loss | " + std::to_string(test->loss) + " |\n";
    if (!std::isnan(test->accuracy)) md += "| test accuracy | " + percent(test->accuracy) + " |\n";
  }
  md += "\n## Epochs\n\n| epoch | loss | accuracy | val_loss | val_accuracy |\n|---|---|---|---|---|\n";
  auto cell = [&](const char* name, std::int64_t i) {
    if (!history.contains(name) || std::isnan(history[name][i])) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", history[name][i]);
    return std::string(buf);
  };
  for (std::int64_t i = 0; i < history.size(); ++i)
    md += "| " + std::to_string(history.epochs()[i] + 1) + " | " + cell("loss", i) + " | " + cell("accuracy", i) +
          " | " + cell("val_loss", i) + " | " + cell("val_accuracy", i) + " |\n";
  md += "\n![loss](loss.png)\n";
  if (fs::exists(run.file("accuracy.png"))) md += "\n![accuracy](accuracy.png)\n";
  md += "\nFiles: `config.json` (the config with every default filled in), `run.json`, `metrics.csv` (per epoch), "
        "`steps.csv` (per step), `checkpoint.safetensors` (resumable), `model.safetensors` (final weights and "
        "config).\n";
  const std::string text = md;
  io::write_file_atomic(run.file("report.md"), std::as_bytes(std::span(text.data(), text.size())));
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
      run = make_run_folder(args.runs_dir, args.name.empty() ? s.name : args.name, !args.name.empty());
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

  // The examples fit() trains on (validation_split keeps the first part, as the Trainer does).
  const auto trained = e.settings.validation_split > 0
                           ? std::int64_t(double(e.data.train->size()) * (1 - e.settings.validation_split))
                           : e.data.train->size();
  auto log = std::make_shared<StepLog>(run, trained, e.settings.batch_size, args.stop_after);
  train::Trainer trainer(*e.model.model, *e.optimizer, *e.loss);
  train::FitOptions fit;
  fit.epochs = e.settings.epochs;
  fit.batch_size = e.settings.batch_size;
  fit.shuffle = e.settings.shuffle;
  if (e.settings.validate && e.data.test) fit.validation = e.data.test;
  fit.validation_split = e.settings.validation_split;
  fit.callbacks = e.callbacks;
  fit.callbacks.push_back(log);
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
  train::History history;
  try {
    history = trainer.fit(e.data.train, fit);
  } catch (const Interrupted&) {
    info["status"] = "interrupted";
    info["step"] = trainer.step();
    write_json(run.file("run.json"), info);
    std::printf("\ninterrupted after step %lld; the checkpoint is saved. Continue with:\n  soma train --resume %s\n",
                static_cast<long long>(log->steps().empty() ? 0 : log->steps().back().step), run.dir.c_str());
    return 3;
  }
  std::signal(SIGINT, SIG_DFL);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  save_model(run, e);
  write_metrics(run, history, log->steps());
  std::optional<train::Metrics> test;
  if (e.data.test) test = trainer.evaluate(e.data.test, 256);
  info["status"] = "finished";
  info["seconds"] = info.value("seconds", 0.0) + seconds;
  if (test) {
    info["test_loss"] = test->loss;
    if (!std::isnan(test->accuracy)) info["test_accuracy"] = test->accuracy;
  }
  write_json(run.file("run.json"), info);
  write_report(run, e, info, history, test ? &*test : nullptr);
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
