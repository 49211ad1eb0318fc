// soma: the command-line tool. Trains models from JSON configs into run folders, evaluates
// and runs trained models, checks gradients, describes models and runs the benchmarks.
// Every error (a bad config, a missing file) is one line on stderr and exit status 1; a
// command-line mistake exits with CLI11's status (2 or more).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include <soma/config/section.h>
#include <soma/core/threads.h>

#include "commands.h"

namespace soma::cli {
const char* version() { return SOMA_VERSION; }
}  // namespace soma::cli

namespace {

// The last guard against echoing a 10 MB value (a name, a path) into an error: a word longer
// than 200 characters is cut to its first 80.
std::string shorten_words(const std::string& message) {
  std::string out;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find(' ', start);
    if (end == std::string::npos) end = message.size();
    out += end - start > 200 ? message.substr(start, 80) + "..." : message.substr(start, end - start);
    if (end < message.size()) out += ' ';
    start = end + 1;
  }
  return out;
}

}  // namespace

using namespace soma::cli;

int main(int argc, char** argv) {
  CLI::App app{"soma: train, evaluate and run neural networks from JSON configs (docs/cli.md).\n"
               "With no command, `soma train` trains the built-in default: a CNN on Fashion-MNIST."};
  app.set_version_flag("--version", std::string("soma ") + version());
  app.require_subcommand(0, 1);
  app.footer("Examples:\n  soma train                         the default CNN, 1 epoch, run folder under runs/\n"
             "  soma train configs/mlp_fashion.json --epochs 5\n  soma train --resume runs/2026-12-04_183012\n"
             "  soma evaluate runs/NAME\n  soma predict runs/NAME image.png\n  soma summary configs/cnn_fashion.json\n"
             "  soma play runs/dqn_cartpole --episodes 100 --gif episode.gif");

  TrainArgs train_args;
  std::int64_t epochs = 0, limit = 0, test_limit = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  auto* train = app.add_subcommand("train", "Train a model from CONFIG (default: the built-in CNN on Fashion-MNIST)");
  train->add_option("config", train_args.config, "A JSON config (docs/cli.md); none: the built-in default")
      ->check(CLI::ExistingFile);
  train->add_option("--name", train_args.name, "Run folder name under --runs (default: the config's name or a timestamp)");
  train->add_option("--runs", train_args.runs_dir, "Where run folders go")->capture_default_str();
  auto* epochs_opt = train->add_option("--epochs", epochs, "Total epochs (overrides the config)")->check(CLI::NonNegativeNumber);
  auto* seed_opt = train->add_option("--seed", seed, "Seed of weights, dropout and shuffling (overrides the config)");
  auto* threads_opt = train->add_option("--threads", threads, "Threads (0: all cores; overrides the config)")
                          ->check(CLI::Range(0, soma::kMaxThreads));
  auto* limit_opt = train->add_option("--limit", limit, "Train on the first N examples only (quick runs)")
                        ->check(CLI::PositiveNumber);
  auto* test_limit_opt = train->add_option("--test-limit", test_limit, "Test on the first N examples only")
                             ->check(CLI::PositiveNumber);
  bool deterministic = false;
  auto* deterministic_opt =
      train->add_flag("--deterministic,!--no-deterministic", deterministic,
                      "Results independent of the thread count (overrides the config; docs/reproducibility.md)");
  train->add_option("--resume", train_args.resume, "Continue the interrupted run in this run folder exactly");
  train->add_option("--bucket-mb", train_args.bucket_mb, "Under mpirun: gradient MiB per allreduce (docs/distributed.md)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  train->add_flag("--fixed-order", train_args.fixed_order,
                  "Under mpirun: sum the gradients in rank order (the same bits for any number of ranks)");
  train->add_option("--stop-after", train_args.stop_after, "Testing: stop after N steps as if interrupted")
      ->group("");

  EvaluateArgs eval_args;
  auto* evaluate = app.add_subcommand("evaluate", "Loss and accuracy of a trained model on its test set");
  evaluate->add_option("model", eval_args.target, "A run folder or a model .safetensors saved by soma train")->required();
  evaluate->add_option("--limit", eval_args.limit, "Only the first N test examples")->check(CLI::NonNegativeNumber);
  evaluate->add_option("--batch-size", eval_args.batch_size, "Examples per forward pass")->check(CLI::PositiveNumber);
  bool eval_deterministic = false;
  auto* eval_deterministic_opt = evaluate->add_flag("--deterministic,!--no-deterministic", eval_deterministic,
                                                    "Results independent of the thread count (overrides the config)");

  PredictArgs predict_args;
  auto* predict = app.add_subcommand("predict", "Run a trained model on inputs and print classes and probabilities");
  predict->add_option("model", predict_args.target, "A run folder or a model .safetensors saved by soma train")->required();
  predict->add_option("input", predict_args.input, "Inputs: an image (.png, .jpg, ...), .idx/.gz, .npy or .csv")
      ->required();
  predict->add_option("--top", predict_args.top, "Classes shown per example")->capture_default_str()->check(CLI::PositiveNumber);
  predict->add_option("--max-rows", predict_args.max_rows, "Examples shown at most")->capture_default_str()->check(CLI::PositiveNumber);

  std::string summary_config;
  auto* summary = app.add_subcommand("summary", "Layers, output shapes, parameters and FLOPs of a config's model");
  summary->add_option("config", summary_config, "A JSON config (default: the built-in one)")->check(CLI::ExistingFile);

  GradcheckArgs grad_args;
  auto* gradcheck = app.add_subcommand("gradcheck", "Check a config's model gradients against finite differences (float64)");
  gradcheck->add_option("config", grad_args.config, "A JSON config (default: the built-in one)")->check(CLI::ExistingFile);
  gradcheck->add_option("--batch", grad_args.batch, "Training examples used")->capture_default_str()->check(CLI::PositiveNumber);
  gradcheck->add_option("--samples", grad_args.samples, "Entries checked per parameter tensor")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  PlayArgs play_args;
  std::uint64_t play_seed = 0;
  auto* play = app.add_subcommand("play", "Play a trained agent (a dqn run) greedily: each episode's return, the mean; --gif films one");
  play->add_option("run", play_args.run, "The run folder of a dqn config")->required();
  play->add_option("--episodes", play_args.episodes, "Episodes to play")->capture_default_str()->check(CLI::PositiveNumber);
  play->add_option("--gif", play_args.gif, "Write the first episode as an animated GIF (600x400, 50 frames/s)");
  auto* play_seed_opt = play->add_option("--seed", play_seed, "Episode j starts from seed S + j (default: the run's dqn.eval_seed)");

  ExportArgs export_args;
  auto* export_cmd = app.add_subcommand("export", "Write a trained model as an ONNX file (opset 17) for onnxruntime and others");
  export_cmd->add_option("model", export_args.target, "A run folder or a model .safetensors saved by soma train")->required();
  export_cmd->add_option("output", export_args.output, "The .onnx file to write")->required();
  export_cmd->add_option("--opset", export_args.opset, "The ONNX opset written (17 or later)")->capture_default_str();
  BoardArgs board_args;
  auto* board = app.add_subcommand("board", "Serve the live training dashboard of a runs folder (docs/board.md)");
  board->add_option("runs", board_args.runs_dir, "The runs folder")->capture_default_str()->check(CLI::ExistingDirectory);
  board->add_option("--port", board_args.port, "TCP port (0: any free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  board->add_option("--host", board_args.host, "Interface to listen on (another than 127.0.0.1 exposes your runs)")
      ->capture_default_str();

  auto* bench = app.add_subcommand("bench", "Run benchmark WORKLOAD [--threads N] [--size S] with soma-bench; "
                                            "no WORKLOAD: all of them; soma bench list: the workloads");
  bench->prefix_command();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*eval_deterministic_opt) eval_args.deterministic = eval_deterministic;
    if (*evaluate) return soma::cli::evaluate(eval_args);
    if (*predict) return soma::cli::predict(predict_args);
    if (*summary) return soma::cli::summary(summary_config);
    if (*gradcheck) return soma::cli::gradcheck(grad_args);
    if (*bench) return soma::cli::bench(bench->remaining());
    if (*export_cmd) return soma::cli::export_model(export_args);
    if (*board) return soma::cli::board(board_args);
    if (*play) {
      if (*play_seed_opt) play_args.seed = play_seed;
      return soma::cli::play(play_args);
    }
    if (*epochs_opt) train_args.epochs = epochs;
    if (*seed_opt) train_args.seed = seed;
    if (*threads_opt) train_args.threads = threads;
    if (*deterministic_opt) train_args.deterministic = deterministic;
    if (*limit_opt) train_args.limit = limit;
    if (*test_limit_opt) train_args.test_limit = test_limit;
    return soma::cli::train(train_args);
  } catch (const soma::config::ConfigError& e) {
    std::fprintf(stderr, "soma: config error: %s\n", shorten_words(e.what()).c_str());
  } catch (const nlohmann::json::exception& e) {
    // A JSON value read without a check: say so without nlohmann's "[json.exception...]" code.
    std::string what = e.what();
    if (const auto end = what.find("] "); what.rfind("[json.exception", 0) == 0 && end != std::string::npos)
      what = what.substr(end + 2);
    std::fprintf(stderr, "soma: error: a JSON file holds a value of the wrong type: %s\n", what.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soma: error: %s\n", shorten_words(e.what()).c_str());
  }
  return 1;
}
