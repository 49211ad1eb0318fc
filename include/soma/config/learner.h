// The config's "learner" section: which training a config asks for and the learners that are
// not a supervised model — a GAN (two models and two optimizers), a VAE, an RBM — built with
// their data, ready for train::Loop. A supervised config (no "learner", or "supervised" or
// "autoencoder") is build_experiment's (experiment.h). Keys and defaults: docs/config.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "soma/config/experiment.h"
#include "soma/rl/environment.h"
#include "soma/train/learner.h"

namespace soma::config {

/// A learner with everything it references: its models and optimizers, owned here, and
/// declared before it so it is destroyed first.
struct BuiltLearner {
  std::string type;                                   ///< "gan", "vae", "rbm" or "dqn"
  std::vector<BuiltModel> models;                     ///< GAN: {generator, discriminator}; DQN: {online, target}; VAE, RBM: the one model
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;  ///< in the learner's order (none for an RBM)
  std::vector<std::unique_ptr<rl::Environment>> environments;  ///< DQN: {training, evaluation}
  std::unique_ptr<train::Learner> learner;
};

/// "supervised" (no "learner" key), "autoencoder", "gan", "vae", "rbm" or "dqn": the type of the
/// config's "learner" ("autoencoder" or {"type": "gan", ...}). Throws ConfigError at
/// "learner" / "learner.type" for anything else.
std::string learner_type(const Json& config);

/// Builds a "learner" section of type gan, vae or rbm for the examples of `data` (the models'
/// weights drawn from `gen`; the learner's own noise seeded with `seed`). `resolved` gets the
/// section with every default filled in. Throws ConfigError naming the JSON path of a mistake,
/// including models that do not fit the data (G's output against the examples' shape).
BuiltLearner build_learner(const Json& spec, const std::string& path, const DataSets& data, std::uint64_t seed,
                           DType dtype, Generator& gen, Json& resolved);

/// A whole config whose learner is a gan, vae, rbm or dqn.
struct LearnerExperiment {
  Json resolved;  ///< the config as understood, defaults filled in
  Settings settings;
  DataSets data;
  std::vector<train::CallbackHandle> callbacks;
  std::vector<data::Transform> augment;
  BuiltLearner learner;
};

/// Builds settings, data, the learner (its models' weights from a Generator seeded with the
/// seed, its own noise from seed + 1), callbacks and augment. The keys "model", "loss",
/// "optimizer" and "schedule" belong to supervised configs and are refused here. A dqn config
/// is build_dqn_experiment's (config/dqn.h).
/// Throws ConfigError naming the JSON path of the first mistake.
LearnerExperiment build_learner_experiment(const Json& config, const BuildOptions& options = {});

}  // namespace soma::config
