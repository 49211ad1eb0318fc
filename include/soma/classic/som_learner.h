// SomLearner: a self-organizing map's training (som.h) as a train::Learner, so train::Loop and
// `soma train` run it with the same batches, event stream, run folder and checkpoints as any
// other learner. Not a gradient learner: no optimizer, no gradient hooks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "soma/classic/som.h"
#include "soma/train/events.h"
#include "soma/train/learner.h"

namespace soma::classic {

struct SomLearnerOptions {
  /// Steps (batches) over which σ and the learning rate decay from start to end (> 0): the
  /// run's epochs times its batches per epoch; later steps stay at the end values.
  std::int64_t total_steps = 1;
  bool batch = false;      ///< true: Kohonen's batch map on each batch; false: online, row by row
  Shape image_shape = {};  ///< one prototype as [C, H, W] for the "codebook" picture; empty: none
};

/// Trains a Som, which must outlive the learner:
///   classic::SomLearner learner(som, {.total_steps = epochs * batches});
///   train::Loop(learner).fit(images, {.epochs = epochs, .batch_size = 64});
/// A batch's x [N, ...] is taken as rows [N, features]; y is ignored. Values:
/// "quantization_error" (of the batch, after its update) and, in evaluate_step,
/// "topographic_error". Each epoch reports the pictures "codebook" (every unit's prototype, on
/// the grid, when image_shape is given) and "u_matrix". Throws soma::Error for total_steps < 1,
/// an image_shape that does not hold `features` values, or batches of another width.
class SomLearner : public train::Learner {
 public:
  explicit SomLearner(Som& som, SomLearnerOptions options);

  std::string name() const override { return "som"; }
  train::StepResult train_step(const data::Batch& batch) override;
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return som_; }
  std::vector<optim::Optimizer*> optimizers() override { return {}; }
  /// "step": the steps taken, which set σ and the learning rate.
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;
  void report_epoch(train::EventStream& events, std::int64_t epoch) override;

  /// batch.x as rows [N, features] (float64). Throws soma::Error for another width.
  Tensor rows(const Tensor& x) const;
  std::int64_t steps_taken() const { return step_; }
  /// Changes total_steps (the config sets it once epochs and batches are known). Throws
  /// soma::Error for steps < 1.
  void set_total_steps(std::int64_t steps);

 private:
  Som& som_;
  SomLearnerOptions options_;
  std::int64_t step_ = 0;
};

}  // namespace soma::classic
