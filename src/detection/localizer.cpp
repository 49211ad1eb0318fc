// The localizer's two losses and its step: the class head by softmax cross-entropy, the box
// head by smooth L1 on sigmoid corners (the corners are image fractions, so sigmoid keeps every
// prediction on the image).
#include "soma/detection/localizer.h"

#include <cmath>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/loss.h"
#include "soma/ops/view.h"
#include "soma/train/metrics.h"

namespace soma::detection {
namespace {

// The class indices [N] and boxes [N, 4] of one-object targets, boxes in `dtype`.
std::pair<Tensor, Tensor> split_targets(const Tensor& targets, std::int64_t n, DType dtype) {
  const bool rows = targets.defined() && is_floating(targets.dtype()) &&
                    ((targets.dim() == 2 && targets.size(1) == 5) ||
                     (targets.dim() == 3 && targets.size(1) == 1 && targets.size(2) == 5));
  SOMA_CHECK(rows && targets.size(0) == n, "localization_loss: expected targets [", n, ", 1, 5] or [", n,
             ", 5] (class, x1, y1, x2, y2), got ", targets.defined() ? targets.shape() : Shape{});
  const Tensor t = targets.to(DType::f64);
  const double* p = t.data<double>();
  Tensor labels({n}, DType::i64), boxes({n, 4}, DType::f64);
  for (std::int64_t i = 0; i < n; ++i) {
    SOMA_CHECK(p[i * 5] >= 0, "localization_loss: example ", i, " has no object (class ", p[i * 5],
               "); localization needs exactly one per example");
    labels.data<std::int64_t>()[i] = std::int64_t(p[i * 5]);
    for (int k = 0; k < 4; ++k) boxes.data<double>()[i * 4 + k] = p[i * 5 + 1 + k];
  }
  return {labels, boxes.to(dtype)};
}

}  // namespace

Tensor localization_boxes(const Tensor& box_output) { return sigmoid(box_output); }

LocalizationLoss localization_loss(const Tensor& logits, const Tensor& box_output, const Tensor& targets,
                                   const LocalizerOptions& o) {
  SOMA_CHECK(o.box_weight >= 0 && o.beta > 0, "localization_loss: expected box_weight >= 0 and beta > 0, got ",
             o.box_weight, " and ", o.beta);
  SOMA_CHECK(logits.defined() && logits.dim() == 2 && box_output.defined() && box_output.dim() == 2 &&
                 box_output.size(1) == 4 && box_output.size(0) == logits.size(0),
             "localization_loss: expected class logits [N, C] and a box output [N, 4], got ",
             logits.defined() ? logits.shape() : Shape{}, " and ", box_output.defined() ? box_output.shape() : Shape{});
  const auto [labels, boxes] = split_targets(targets, logits.size(0), box_output.dtype());
  LocalizationLoss l;
  l.classification = cross_entropy(logits, labels);
  l.box = smooth_l1_loss(localization_boxes(box_output), boxes, o.beta);
  l.total = l.classification + l.box * o.box_weight;
  return l;
}

Localizer::Localizer(nn::Graph& model, optim::Optimizer& optimizer, const LocalizerOptions& options)
    : model_(model), optimizer_(optimizer), options_(options) {
  SOMA_CHECK(model.input_nodes().size() == 1 && model.output_nodes().size() == 2,
             "Localizer: expected a Graph with one input and two outputs (class logits, box), got ",
             model.input_nodes().size(), " inputs and ", model.output_nodes().size(), " outputs");
}

train::StepResult Localizer::measure(const std::vector<Tensor>& outputs, const Tensor& targets,
                                     const LocalizationLoss& loss) const {
  train::StepResult r;
  const std::int64_t n = outputs[0].size(0);
  r.examples = n;
  r.values["loss"] = loss.total.item();
  r.values["class_loss"] = loss.classification.item();
  r.values["box_loss"] = loss.box.item();
  const auto truths = objects_of(targets.dim() == 2 ? reshape(targets, {n, 1, 5}) : targets);
  const Tensor boxes = localization_boxes(outputs[1].detach()).to(DType::f64);
  const double* p = boxes.data<double>();
  double iou_sum = 0, over_half = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double overlap = iou({p[i * 4], p[i * 4 + 1], p[i * 4 + 2], p[i * 4 + 3]}, truths[std::size_t(i)].at(0).box);
    iou_sum += overlap, over_half += overlap > 0.5 ? 1 : 0;
  }
  r.values["iou"] = iou_sum / double(n);
  r.values["iou50"] = over_half / double(n);
  std::vector<std::int64_t> labels;
  for (const auto& t : truths) labels.push_back(t.at(0).label);
  r.correct = train::count_correct(outputs[0].detach(), from_data(labels, {n}));
  r.counted = n;
  return r;
}

train::StepResult Localizer::train_step(const data::Batch& batch) {
  const std::vector<Tensor> outputs = model_.forward_all({batch.x});
  const LocalizationLoss loss = localization_loss(outputs[0], outputs[1], batch.y, options_);
  (loss.total + model_.regularization_loss()).backward();
  apply_step(optimizer_);
  return measure(outputs, batch.y, loss);
}

train::StepResult Localizer::evaluate_step(const data::Batch& batch) {
  const std::vector<Tensor> outputs = model_.forward_all({batch.x});
  return measure(outputs, batch.y, localization_loss(outputs[0], outputs[1], batch.y, options_));
}

}  // namespace soma::detection
