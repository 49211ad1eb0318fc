// A whole training config turned into the objects of one run: data, model, loss, optimizer,
// schedule, callbacks, augmentation and the fit settings, plus the resolved config (every
// default filled in) that a run folder saves so the run can be resumed or evaluated later.
// The built-in default (no config given) is benchmark B3's CNN on Fashion-MNIST.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "soma/config/builders.h"

namespace soma::config {

/// The fit settings at the config's top level.
struct Settings {
  static constexpr std::int64_t kBatchSize = 64;  ///< the config's batch size (see batch_size)
  std::string name;                  ///< the run folder's name ("" = a timestamp)
  std::uint64_t seed = 0;            ///< weight init, dropout and shuffling
  int threads = 0;                   ///< 0: soma's default (all cores)
  bool deterministic = false;        ///< results independent of the thread count (set_deterministic)
  std::int64_t epochs = 1;
  /// 64, where train::FitOptions has PyTorch's 32: a config run from the command line trains
  /// on whole data sets, where a batch of 64 takes half the optimizer steps per epoch. The
  std::int64_t batch_size = kBatchSize;
  bool shuffle = true;
  bool validate = true;              ///< evaluate on the test set after every epoch
  double validation_split = 0;       ///< hold out this fraction of train instead of the test set
  std::int64_t checkpoint_every = 0; ///< also checkpoint every this many steps (0: epoch ends only)
  double clip_grad_norm = 0;         ///< FitOptions::clip_grad_norm (0: off)
  double clip_grad_value = 0;        ///< FitOptions::clip_grad_value (0: off)
  int verbose = 1;                   ///< 0 quiet, 1 progress bar, 2 one line per epoch
};

struct Experiment {
  Json resolved;  ///< the config as understood, defaults filled in
  Settings settings;
  DataSets data;
  BuiltModel model;
  std::unique_ptr<loss::Loss> loss;
  std::unique_ptr<optim::Optimizer> optimizer;
  std::unique_ptr<optim::LRScheduler> scheduler;  ///< null without an epoch schedule
  std::vector<train::CallbackHandle> callbacks;   ///< the schedule's and the config's
  std::vector<data::Transform> augment;
};

struct BuildOptions {
  std::string base_dir = ".";  ///< relative data paths are taken from here (the config's folder)
  std::string run_dir = {};    ///< where checkpoint callbacks write
  DType dtype = DType::f32;    ///< the model's dtype (float64 for gradcheck)
};

/// Builds every part of `config`, in this order: settings, data, model (from a Generator of
/// its own seeded with the config's seed; default_generator() is neither used nor reseeded),
/// loss, optimizer, schedule, callbacks, augment.
/// Throws ConfigError naming the JSON path of the first mistake.
Experiment build_experiment(const Json& config, const BuildOptions& options = {});

/// The settings alone, without loading data or building the model. `resolved` gets them.
Settings read_settings(Section& top);

/// The built-in default: B3's CNN (Conv 1->32 3x3 pad 1, ReLU, MaxPool 2; Conv 32->64 3x3
/// pad 1, BatchNorm, ReLU, MaxPool 2; Flatten; Dense 3136->128, ReLU, Dropout 0.3; Dense
/// 128->10), cross-entropy, Adam under the 1cycle schedule (peak lr 0.005), batch 64, 3 epochs
/// of Fashion-MNIST.
Json default_config();

/// The model part of a config alone, for commands that need no data (predict): builds the
/// resolved "model" section of a run's config, from a Generator seeded with its "seed" (0
/// when absent), so the model is the one build_experiment built.
BuiltModel build_model_only(const Json& resolved_config, DType dtype = DType::f32);

}  // namespace soma::config
