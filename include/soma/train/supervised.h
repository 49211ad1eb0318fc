// Supervised: the learner of ordinary training — a model, an optimizer and a loss. Its step is
// forward, loss (+ the model's weight penalties), backward, the gradient hooks, the optimizer's
// step. train::Trainer wraps one with the Loop; use it directly to drive training by hand.
#pragma once

#include <memory>
#include <string>

#include "soma/nn/loss.h"
#include "soma/train/learner.h"

namespace soma::train {

/// Accuracy is counted when the targets are classes: int64 labels [N] with outputs [N, C];
/// int64 labels [N, T] with sequence outputs [N, T, C] (per token, negative labels skipped);
/// probabilities [N, C] with CrossEntropy (argmax against argmax); or, for BCE, BCEWithLogits
/// and Hinge, the thresholded output (0.5 for probabilities, 0 for logits and hinge).
class Supervised : public Learner {
 public:
  /// Throws soma::Error when the loss's reduction is none (a step needs one number). The model
  /// and optimizer must outlive the learner; the loss is copied.
  Supervised(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss);

  std::string name() const override { return "supervised"; }
  /// One step on batch.x / batch.y in the model's current mode. values["loss"] is the mean
  /// loss per example plus the weight penalties (what backward descended).
  StepResult train_step(const data::Batch& batch) override;
  /// The same values without a step; the caller sets eval mode and NoGradGuard.
  StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return model_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&optimizer_}; }

  optim::Optimizer& optimizer() const { return optimizer_; }
  const loss::Loss& loss() const { return *loss_; }

 private:
  StepResult measure(const Tensor& output, const Tensor& target, const Tensor& data_loss, const Tensor& total) const;

  nn::Module& model_;
  optim::Optimizer& optimizer_;
  std::unique_ptr<loss::Loss> loss_;
};

/// Predictions scored by the accuracy that fits `loss` and the targets' form, and how many of
/// them were right: {correct, counted}; counted 0 when no accuracy applies (regression).
std::pair<std::int64_t, std::int64_t> score_predictions(const loss::Loss& loss, const Tensor& output,
                                                        const Tensor& target);

}  // namespace soma::train
