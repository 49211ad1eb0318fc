// RbmLearner: a restricted Boltzmann machine's CD-k / persistent-CD update (rbm.h) as a
// train::Learner, so train::Loop runs it with the same batches, logs, checkpoints and resume as
// any other learner. It owns the generator its Gibbs sampling draws from and checkpoints it
// with the persistent chain and the momentum. It is not a gradient learner: it has no optimizer
// and no gradient hooks run (the update is Rbm::step's own rule).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "soma/core/generator.h"
#include "soma/generative/rbm.h"
#include "soma/train/callback.h"
#include "soma/train/events.h"
#include "soma/train/learner.h"

namespace soma::generative {

struct RbmLearnerOptions {
  std::uint64_t seed = 0;     ///< seeds the Gibbs sampling's generator
  std::int64_t filters = 64;  ///< columns of W shown in each epoch's "filters" grid (0: none)
  Shape image_shape = {};     ///< one visible vector as [C, H, W] for the grid; empty: no grid
};

/// Trains an Rbm, which must outlive the learner:
///   generative::RbmLearner learner(rbm, {.seed = 1, .image_shape = {1, 28, 28}});
///   train::Loop(learner).fit(images, {.epochs = 5, .batch_size = 64});
/// A batch's x [N, ...] is taken as rows [N, visible] (flattened, cast to the Rbm's dtype); y
/// is ignored. Values: "reconstruction_error" (Rbm::step's, from a sampled h; evaluate_step's
/// is the mean-field Rbm::reconstruction_error, with no draws). Throws soma::Error when a batch
/// does not hold `visible` values per example, and whatever Rbm::step throws.
class RbmLearner : public train::Learner {
 public:
  explicit RbmLearner(Rbm& rbm, RbmLearnerOptions options = {});

  std::string name() const override { return "rbm"; }
  /// One Rbm::step on the batch's rows, drawing from the learner's generator.
  train::StepResult train_step(const data::Batch& batch) override;
  /// The mean-field reconstruction error of the batch's rows; no draws.
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return rbm_; }
  std::vector<optim::Optimizer*> optimizers() override { return {}; }
  std::vector<std::pair<std::string, Generator*>> generators() override { return {{"gibbs", &gen_}}; }
  /// Rbm::training_state(): the persistent chain and the velocities, once they exist.
  std::map<std::string, Tensor> state_dict() const override { return rbm_.training_state(); }
  void load_state_dict(const std::map<std::string, Tensor>& state) override { rbm_.load_training_state(state); }
  /// events.images("filters", ...): the first `filters` columns of W, with image_shape.
  void report_epoch(train::EventStream& events, std::int64_t epoch) override;

  Rbm& rbm() { return rbm_; }                 ///< the machine it trains
  Generator& generator() { return gen_; }     ///< the Gibbs sampling's generator ("gibbs")
  /// batch.x as the Rbm's rows [N, visible]. Throws soma::Error for another number of values.
  Tensor rows(const Tensor& x) const;

 private:
  Rbm& rbm_;
  RbmLearnerOptions options_;
  Generator gen_;
};

/// Options of fit_rbm.
struct RbmFitOptions {
  int epochs = 1;
  std::int64_t batch_size = 64;
  bool shuffle = true;  ///< a fresh order each epoch (the loop's data loader, seeded from the generator)
  /// Called in this order, as train::FitOptions::callbacks (one may add a test error to each
  /// epoch's logs, which the sinks then record). Default: none.
  std::vector<train::CallbackHandle> callbacks = {};
  /// Observers of the run, as train::FitOptions::sinks (a train::RunFolderSink). Default: none.
  std::vector<std::shared_ptr<train::Sink>> sinks = {};
  /// One row as [C, H, W]: the sinks then get each epoch's "filters" grid (RbmLearnerOptions).
  Shape image_shape = {};
};

/// Trains `rbm` on the rows of `data` [N, visible] for `epochs` passes: an RbmLearner run by
/// train::Loop, so the sinks see the same event stream as any other learner's. The loop's
/// shuffling is seeded by one draw from `gen`, then the Gibbs samples continue `gen`'s stream
/// (gen is left where the samples stopped): the same generator state gives the same model, bit
/// for bit. Returns each epoch's mean step reconstruction error (weighted by batch size);
/// `on_epoch(epoch, error)` is called after each epoch (counted from 1, after the callbacks)
/// when given.
/// Throws soma::Error for epochs < 0, batch_size < 1 or data that is not [N > 0, visible].
std::vector<double> fit_rbm(Rbm& rbm, const Tensor& data, const RbmFitOptions& options, Generator& gen,
                            const std::function<void(int, double)>& on_epoch = {});

}  // namespace soma::generative
