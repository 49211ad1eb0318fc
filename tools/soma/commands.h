// The soma command's subcommands, one function each; main.cpp parses the command line into
// these option structs and turns every soma::Error into one line on stderr and exit status 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soma::cli {

struct TrainArgs {
  std::string config;  ///< empty: the built-in default (B3's CNN on Fashion-MNIST)
  std::string name;
  std::string resume;  ///< a run folder to continue
  std::string runs_dir = "runs";
  std::optional<std::int64_t> epochs, limit, test_limit;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::optional<bool> deterministic;  ///< --deterministic / --no-deterministic
  std::int64_t stop_after = 0;  ///< testing: act as if interrupted after this many steps
  double bucket_mb = 25;        ///< data-parallel runs: gradient MiB per allreduce
  bool fixed_order = false;     ///< data-parallel runs: sum the gradients in rank order
};

struct EvaluateArgs {
  std::string target;  ///< a run folder or a model .safetensors
  std::int64_t limit = 0;
  std::int64_t batch_size = 256;
  std::optional<bool> deterministic;  ///< unset: the config's "deterministic"
};

struct PredictArgs {
  std::string target;
  std::string input;
  std::int64_t top = 3;
  std::int64_t max_rows = 20;
};

struct GradcheckArgs {
  std::string config;
  std::int64_t batch = 4;
  std::int64_t samples = 12;  ///< entries checked per parameter tensor
};

struct PlayArgs {
  std::string run;                     ///< the run folder of a dqn config
  std::int64_t episodes = 10;
  std::string gif;                     ///< film the first episode into this file ("": none)
  std::optional<std::uint64_t> seed;   ///< episode j starts from reset(seed + j); none: the run's dqn.eval_seed
};

struct ExportArgs {
  std::string target;  ///< a run folder or a model .safetensors
  std::string output;  ///< the .onnx file to write
  std::int64_t opset = 17;
};

struct BoardArgs {
  std::string runs_dir = "runs";
  std::string host = "127.0.0.1";
  int port = 6006;  ///< 0: any free port
};

int train(const TrainArgs& args);
int board(const BoardArgs& args);
int play(const PlayArgs& args);
int evaluate(const EvaluateArgs& args);
int predict(const PredictArgs& args);
int summary(const std::string& config);
int gradcheck(const GradcheckArgs& args);
int bench(const std::vector<std::string>& args);
int export_model(const ExportArgs& args);  ///< soma export (needs soma built with ONNX)

/// soma's version ("0.1.0").
const char* version();

}  // namespace soma::cli
