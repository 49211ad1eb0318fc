// soma train: builds a run from a config (or the built-in default) — a supervised model, an
// autoencoder, or a GAN, VAE or RBM learner (config/learner.h) — trains it with train::Loop,
// and wires the run folder's sink (train/run_folder.h) to the event stream. An
// interrupted run (Ctrl-C) saves a checkpoint at the next step and `soma train --resume runs/X`
// continues it exactly: the loop restores the weights, optimizer, generators, loader position
// and every callback's state, and the sink drops the rows written after that checkpoint.
// Under `mpirun -np N` each process is one rank of a data-parallel run (distributed.h).
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include <soma/autograd/grad_mode.h>
#include <soma/config/dqn.h>
#include <soma/config/learner.h>
#include <soma/core/factory.h>
#include <soma/core/generator.h>
#include <soma/core/threads.h>
#include <soma/io/atomic_file.h>
#include <soma/io/checkpoint.h>
#include <soma/ops/activation.h>
#include <soma/ops/view.h>
#include <soma/train/loop.h>
#include <soma/train/run_folder.h>
#include <soma/train/supervised.h>

#include "commands.h"
#include "distributed.h"
#include "run_folder.h"

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

std::atomic<bool> interrupted{false};

// When `soma train` checkpoints: after the first step, at epoch ends (at most every few
// seconds: an XOR run has thousands of one-step epochs, but always after the first and the
// last), at the end, and when the run is interrupted (Ctrl-C, or --stop-after for the tests), after which it stops the loop.
class RunCheckpoints : public train::Callback {
 public:
  // `agree` tells whether any rank stops (data-parallel ranks must stop at the same step).
  RunCheckpoints(std::string path, std::int64_t stop_after, std::function<bool(bool)> agree)
      : path_(std::move(path)), stop_after_(stop_after), agree_(std::move(agree)) {}
  std::string name() const override { return "RunCheckpoints"; }

  void on_batch_end(train::Context& context, std::int64_t, const train::Logs&) override {
    if (agree_(interrupted || (stop_after_ > 0 && context.step() >= stop_after_))) {
      context.save_checkpoint(path_);
      context.interrupt();
    } else if (!first_saved_) {
      // The first checkpoint right after the first step: a run killed early can still be
      // resumed (an epoch of a large set takes minutes).
      context.save_checkpoint(path_);
      first_saved_ = true;
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
  std::function<bool(bool)> agree_;
  bool saved_ = false, first_saved_ = false;
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();
};

// An autoencoder's record: after every epoch, the first test images (or training images)
// above their reconstructions, as the "reconstructions" grid. Logits (a bce_with_logits loss)
// go through a sigmoid first.
class Reconstructions : public train::Callback {
 public:
  Reconstructions(std::shared_ptr<const data::TensorDataset> images, bool logits)
      : images_(std::move(images)), logits_(logits) {}
  std::string name() const override { return "Reconstructions"; }
  void on_epoch_end(train::Context& context, std::int64_t epoch, train::Logs&) override {
    nn::Module& model = context.model();
    const bool training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    const std::int64_t n = std::min<std::int64_t>(8, images_->size());
    const Tensor x = slice(images_->x(), 0, 0, n);
    Tensor y = model(x);
    if (logits_) y = sigmoid(y);
    model.train(training);
    context.events().images("reconstructions", epoch, cat({x, reshape(y, x.shape())}), 0, 1);
  }

 private:
  std::shared_ptr<const data::TensorDataset> images_;
  bool logits_;
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

// What a run trains, whichever kind of config built it: the learner and the parts of the
// config that the loop and the run folder need.
struct Built {
  std::optional<config::Experiment> supervised;        // a supervised or autoencoder config
  std::optional<config::LearnerExperiment> generative;  // a gan, vae or rbm config
  std::unique_ptr<train::Supervised> supervised_learner;
  train::Learner* learner = nullptr;
  Built() = default;
  Built(const Built&) = delete;
  Built& operator=(const Built&) = delete;

  const config::Json* resolved = nullptr;
  const config::Settings* settings = nullptr;
  const config::DataSets* data = nullptr;
  const std::vector<train::CallbackHandle>* callbacks = nullptr;
  const std::vector<data::Transform>* augment = nullptr;
};

// Fills `b` in place: its pointers point into its own members.
void build(const config::Json& cfg, const config::BuildOptions& options, Built& b) {
  const std::string kind = config::learner_type(cfg);
  if (kind == "supervised" || kind == "autoencoder") {
    config::Experiment& e = b.supervised.emplace(config::build_experiment(cfg, options));
    b.supervised_learner = std::make_unique<train::Supervised>(*e.model.model, *e.optimizer, *e.loss);
    b.learner = b.supervised_learner.get();
    b.resolved = &e.resolved, b.settings = &e.settings, b.data = &e.data, b.callbacks = &e.callbacks, b.augment = &e.augment;
  } else {
    config::LearnerExperiment& e = b.generative.emplace(config::build_learner_experiment(cfg, options));
    b.learner = e.learner.learner.get();
    b.resolved = &e.resolved, b.settings = &e.settings, b.data = &e.data, b.callbacks = &e.callbacks, b.augment = &e.augment;
  }
}

// The report's opening table: what was trained, on what, how, and the test result.
std::vector<std::pair<std::string, std::string>> summary(const Built& b, const config::Json& info,
                                                         std::int64_t epochs_done, const train::Logs& test) {
  const config::Json& resolved = *b.resolved;
  std::vector<std::pair<std::string, std::string>> rows{
      {"soma", version()},
      {"machine", info.value("machine", "")},
      {"threads", std::to_string(num_threads())},
      {"seed", std::to_string(b.settings->seed)},
      {"data", std::to_string(b.data->train->size()) + " training examples" +
                   (b.data->test ? ", " + std::to_string(b.data->test->size()) + " test examples" : std::string()) +
                   " of shape " + config::shape_text(b.data->input_shape)}};
  if (b.supervised) {
    rows.emplace_back("model", std::to_string(b.supervised->model.layers.size()) + " layers, " +
                                   std::to_string(b.learner->model().parameter_count()) + " parameters");
    rows.emplace_back("optimizer", resolved["optimizer"].dump());
    rows.emplace_back("loss", resolved["loss"].dump());
  } else {
    rows.emplace_back("learner", b.generative->learner.type + ", " +
                                     std::to_string(b.learner->model().parameter_count()) + " parameters");
  }
  rows.emplace_back("epochs, batch size", std::to_string(epochs_done) + " of " + std::to_string(b.settings->epochs) +
                                              ", " + std::to_string(b.settings->batch_size));
  if (info.contains("seconds")) rows.emplace_back("training time", std::to_string(int(info["seconds"].get<double>())) + " s");
  for (const auto& [key, value] : test)
    rows.emplace_back("test " + key, key == "accuracy" ? percent(value) : std::to_string(value));
  rows.emplace_back("files", "`config.json` (the config with every default filled in), `run.json`, "
                             "`checkpoint.safetensors` (resumable), `model.safetensors` (final weights and config)");
  return rows;
}

// Makes the new run's folder and locks it. When the folder exists: `exact` (a --name) restarts
// in place a run that never wrote a checkpoint (refused, or killed before its first step
// ended) — its files are removed — and refuses one that did; otherwise returns false so that
// the caller chooses the next free name.
bool open_new_folder(const RunFolder& run, bool exact, std::optional<train::RunFolderLock>& lock) {
  if (train::make_run_folder(run.dir)) {
    lock.emplace(run.dir);
    return true;
  }
  if (!exact) return false;
  SOMA_CHECK(!fs::exists(run.checkpoint()) && !fs::exists(run.model()), "the run folder '", run.dir,
             "' exists already and holds a trained or checkpointed run; choose another --name, or continue it "
             "with: soma train --resume ", run.dir);
  SOMA_CHECK(fs::is_directory(run.dir) && (fs::is_empty(run.dir) || fs::exists(run.config()) ||
                                           fs::exists(run.file("lock"))),
             "'", run.dir, "' exists already and is not a run folder; choose another --name");
  lock.emplace(run.dir);  // throws when another process is writing it
  for (const auto& entry : fs::directory_iterator(run.dir))
    if (entry.path().filename() != "lock") fs::remove_all(entry.path());
  return true;
}

}  // namespace

// One rank's training (the only one unless run by mpirun; see distributed.h).
static int train_rank(const TrainArgs& args, Parallel& parallel) {
  const bool resuming = !args.resume.empty();
  config::Json cfg;
  std::string base_dir = ".";
  RunFolder run;
  // Held until train returns: a second process writing or resuming this folder fails.
  std::optional<train::RunFolderLock> lock;
  bool restart = false;  // --resume of a run that has no checkpoint yet: it starts again
  if (resuming) {
    run.dir = fs::path(args.resume).lexically_normal().string();
    if (!run.dir.empty() && run.dir.back() == '/') run.dir.pop_back();
    SOMA_CHECK(fs::is_directory(run.dir), "--resume: '", args.resume, "' is not a run folder");
    SOMA_CHECK(fs::exists(run.config()), "--resume: '", args.resume,
               "' has no config.json; is it a run folder? (one that holds no checkpoint restarts in place with: "
               "soma train CONFIG --runs ", fs::path(run.dir).parent_path().string(), " --name ",
               fs::path(run.dir).filename().string(), ")");
    SOMA_CHECK(args.config.empty(), "--resume continues a run with its own config.json; give no CONFIG");
    SOMA_CHECK(!args.seed && !args.limit && !args.test_limit && !args.deterministic && args.name.empty(),
               "--resume: only --epochs and --threads may change when a run continues");
    lock.emplace(run.dir);
    restart = !fs::exists(run.checkpoint());
    cfg = config::read_json_file(run.config());
  } else {
    if (args.config.empty()) {
      cfg = config::default_config();
    } else {
      cfg = config::read_json_file(args.config);
      base_dir = fs::path(args.config).parent_path().string();
      if (base_dir.empty()) base_dir = ".";
    }
    if (args.seed) cfg["seed"] = *args.seed;
    if (config::learner_type(cfg) == "dqn") {
      config::limit_dqn_config(cfg, args.limit, args.test_limit);  // its examples are steps and episodes
    } else {
      if (args.limit) data_object(cfg)["limit"] = *args.limit;
      if (args.test_limit) data_object(cfg)["test_limit"] = *args.test_limit;
    }
  }
  if (args.epochs) cfg["epochs"] = *args.epochs;
  if (args.threads) cfg["threads"] = *args.threads;
  if (args.deterministic) cfg["deterministic"] = *args.deterministic;

  // Settings first, so the threads apply to the data loading and the model's dry run.
  std::string name;
  {
    config::Section top(cfg, "", "the config");
    const config::Settings s = config::read_settings(top);
    if (s.threads > 0) set_num_threads(s.threads);
    set_deterministic(s.deterministic);
    name = args.name.empty() ? s.name : args.name;
  }
  // The folder is made only once the config, data and model are built: a refused config
  // leaves nothing behind. Another process may take the chosen name meanwhile; then the next
  // free name is chosen and the run built again (its callbacks' paths name the folder).
  std::unique_ptr<Built> built;
  for (int attempt = 0; !built; ++attempt) {
    if (!resuming) run.dir = train::choose_run_folder(args.runs_dir, name, !args.name.empty());
    cfg["name"] = fs::path(run.dir).filename().string();
    built = std::make_unique<Built>();
    build(cfg, {.base_dir = base_dir, .run_dir = run.dir}, *built);
    if (!resuming && !open_new_folder(run, !args.name.empty(), lock)) {
      SOMA_CHECK(attempt < 10, "cannot create a run folder under '", args.runs_dir,
                 "': other processes took the chosen name 10 times in a row");
      built.reset();
    }
  }
  Built& b = *built;
  const config::Settings& settings = *b.settings;
  const config::DataSets& data = *b.data;

  const bool continuing = resuming && !restart;
  config::Json info = continuing && fs::exists(run.file("run.json")) ? config::read_json_file(run.file("run.json"))
                                                                       : config::Json::object();
  info["soma_version"] = version();
  info["seed"] = settings.seed;
  info["machine"] = machine_description();
  info["threads"] = num_threads();
  info["openmp_wait_policy"] = openmp_wait_policy();
  // A checkpoint's data position counts steps of its number of ranks.
  const auto& saved = info.contains("distributed") ? info["distributed"] : config::Json();
  const int ranks = saved.is_object() ? saved.value("ranks", 1) : 1;
  SOMA_CHECK(!continuing || ranks == parallel.size(), "--resume: '", run.dir, "' was trained on ", ranks,
             " rank(s) and continues only on as many (mpirun -np ", ranks, "), not ", parallel.size());
  if (parallel.size() > 1) info["distributed"] = {{"ranks", parallel.size()}};
  info["deterministic"] = deterministic();
  if (!continuing) info["started"] = timestamp();
  info["status"] = "running";
  if (continuing) info["resumed"] = timestamp();
  write_json(run.config(), *b.resolved);
  write_json(run.file("run.json"), info);

  const std::string what = b.generative ? "a " + b.generative->learner.type + " learner"
                           : args.config.empty() && !resuming ? "the default CNN"
                                                              : "a model";
  std::printf("soma %s: %s %s, %lld parameters, on %lld training examples%s of shape %s; %lld epoch%s, batch %lld,"
              " %d threads\nrun folder: %s\n",
              version(), continuing ? "resuming" : restart ? "restarting (no checkpoint yet)" : "training", what.c_str(),
              static_cast<long long>(b.learner->model().parameter_count()), static_cast<long long>(data.train->size()),
              data.test ? (" (" + std::to_string(data.test->size()) + " test)").c_str() : "",
              config::shape_text(data.input_shape).c_str(), static_cast<long long>(settings.epochs),
              settings.epochs == 1 ? "" : "s", static_cast<long long>(settings.batch_size), num_threads(),
              run.dir.c_str());
  std::fflush(stdout);

  auto folder = std::make_shared<train::RunFolderSink>(run.dir);
  train::Loop loop(*b.learner);
  train::FitOptions fit;
  fit.epochs = settings.epochs;
  fit.batch_size = settings.batch_size;
  fit.shuffle = settings.shuffle;
  if (settings.validate && data.test) fit.validation = data.test;
  fit.validation_split = settings.validation_split;
  fit.callbacks = *b.callbacks;
  if (config::learner_type(*b.resolved) == "autoencoder" && data.input_shape.size() == 3)
    fit.callbacks.push_back(Reconstructions(data.test ? data.test : data.train,
                                            (*b.resolved)["loss"].value("type", "") == "bce_with_logits"));
  fit.callbacks.push_back(std::make_shared<RunCheckpoints>(run.checkpoint(), args.stop_after,
                                                           [&parallel](bool stop) { return parallel.any(stop); }));
  fit.sinks = {folder};
  fit.seed = settings.seed;
  fit.verbose = settings.verbose;
  fit.checkpoint_path = run.checkpoint();
  fit.checkpoint_every_n_batches = settings.checkpoint_every;
  fit.transforms = *b.augment;
  fit.clip_grad_norm = settings.clip_grad_norm;
  fit.clip_grad_value = settings.clip_grad_value;
  if (continuing) fit.resume_from = run.checkpoint();

  // The first Ctrl-C asks for a checkpoint at the next step; a second one kills as usual.
  std::signal(SIGINT, [](int) {
    interrupted = true;
    std::signal(SIGINT, SIG_DFL);
  });
  const auto start = std::chrono::steady_clock::now();
  struct End {  // the averaging hook goes before the learner
    Parallel& parallel;
    ~End() { parallel.end(); }
  } end_parallel{parallel};
  const auto train_data = parallel.setup(*b.learner, fit, data.train);
  if (parallel.size() > 1)
    std::printf("data-parallel: %d ranks of batch %lld (global batch %lld), %lld training examples\n", parallel.size(),
                static_cast<long long>(settings.batch_size), static_cast<long long>(settings.batch_size * parallel.size()),
                static_cast<long long>(train_data->size()));
  const train::History history = loop.fit(train_data, fit);
  if (parallel.size() > 1) info["distributed"] = parallel.report(settings.batch_size);
  if (loop.interrupted()) {
    info["status"] = "interrupted";
    info["step"] = loop.step();
    write_json(run.file("run.json"), info);
    std::printf("\ninterrupted after step %lld; the checkpoint is saved. Continue with:\n  soma train --resume %s\n",
                static_cast<long long>(loop.step()), run.dir.c_str());
    return 3;
  }
  std::signal(SIGINT, SIG_DFL);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!parallel.lead()) return 0;  // rank 0 saves, tests and reports

  save_model(run, b.learner->model(), *b.resolved);
  // The test set's means of the learner's values: loss and accuracy for a classifier, the
  // VAE's loss terms, the RBM's reconstruction error, a GAN's D(x).
  const train::Logs test = data.test ? loop.evaluate(data.test, 256) : train::Logs{};
  info["status"] = "finished";
  info["seconds"] = config::value_or(info, run.file("run.json"), "seconds", 0.0, "a number of seconds") + seconds;
  for (const auto& [key, value] : test) info["test_" + key] = value;
  write_json(run.file("run.json"), info);
  folder->set_summary(summary(b, info, history.size(), test));
  folder->write_report();
  std::printf("trained in %.1f s; wrote %s/{model.safetensors, metrics.csv, report.md, ...}\n", seconds,
              run.dir.c_str());
  if (b.supervised && test.count("loss")) {
    std::printf("test loss %.4f\n", test.at("loss"));
    if (test.count("accuracy")) std::printf("test accuracy %.4f\n", test.at("accuracy"));
  } else if (!test.empty()) {
    for (const auto& [key, value] : test) std::printf("test %s %.6g\n", key.c_str(), value);
  } else if (!history.empty()) {
    for (const auto& [key, value] : history.row(history.size() - 1))
      if (std::isfinite(value)) std::printf("final %s %.6g\n", key.c_str(), value);
  }
  // A detector's result: the mAP of the last epoch's evaluation on the test set (MapLogger).
  if (history.contains("val_map50")) std::printf("test mAP@0.5 %.4f\n", history["val_map50"].back());
  return 0;
}

int train(const TrainArgs& given) {
  const auto parallel = Parallel::join(given);
  try {
    return train_rank(parallel->local_args(given), *parallel);
  } catch (const std::exception& error) {
    parallel->fail(error);  // ends every rank when there are several
    throw;
  }
}

}  // namespace soma::cli
