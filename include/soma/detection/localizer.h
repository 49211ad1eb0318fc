// Localize and classify: one model with two heads — class scores and a box — trained with two
// losses at once, cross-entropy on the class and smooth L1 on the box's corners, on targets of
// one object per example (data::Canvases with max_items 1). Reports the accuracy, the mean IoU
// of predicted and true boxes, and the fraction of examples whose IoU exceeds 0.5.
#pragma once

#include <string>
#include <vector>

#include "soma/detection/box.h"
#include "soma/nn/graph.h"
#include "soma/train/learner.h"

namespace soma::detection {

struct LocalizerOptions {
  double box_weight = 10;  ///< weight of the box loss against the class loss (>= 0)
  /// Smooth L1's beta, in image fractions: quadratic for corner errors below it (1/64 is one
  /// pixel of a 64x64 canvas), linear above (> 0).
  double beta = 1.0 / 64;
};

/// The two losses of a batch and their weighted sum (what is descended).
struct LocalizationLoss {
  Tensor total, classification, box;
};

/// The boxes a box head's raw output [N, 4] stands for: sigmoid, read as (x1, y1, x2, y2) in
/// image fractions.
Tensor localization_boxes(const Tensor& box_output);

/// cross_entropy(logits [N, C], class) + box_weight * smooth_l1(localization_boxes(box_output),
/// box; beta), means over the batch (the smooth L1 over the 4 corners too), for targets [N, 1, 5]
/// or [N, 5] of rows (class, x1, y1, x2, y2). Throws soma::Error naming localization_loss and
/// the shapes when they do not fit, or for a class -1 (an example with no object).
LocalizationLoss localization_loss(const Tensor& logits, const Tensor& box_output, const Tensor& targets,
                                   const LocalizerOptions& options = {});

/// The learner: `model` is an nn::Graph with one input and two outputs, class logits [N, C]
/// then the box head's raw [N, 4]. Its step values: "loss" (the sum descended),
/// "class_loss", "box_loss", "iou" (mean IoU of the predicted and true boxes), "iou50" (the
/// fraction with IoU > 0.5), and the accuracy counts. Throws soma::Error at construction for a
/// model with other inputs or outputs.
class Localizer : public train::Learner {
 public:
  Localizer(nn::Graph& model, optim::Optimizer& optimizer, const LocalizerOptions& options = {});
  std::string name() const override { return "localizer"; }
  train::StepResult train_step(const data::Batch& batch) override;
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return model_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&optimizer_}; }

 private:
  train::StepResult measure(const std::vector<Tensor>& outputs, const Tensor& targets, const LocalizationLoss& loss) const;

  nn::Graph& model_;
  optim::Optimizer& optimizer_;
  LocalizerOptions options_;
};

}  // namespace soma::detection
