// The detector's step (forward, yolo_loss, backward, optimizer) and its VOC evaluation.
#include "soma/detection/detector.h"

#include "soma/core/error.h"
#include "soma/ops/arithmetic.h"
#include "soma/train/context.h"
#include "soma/train/loop.h"

namespace soma::detection {

YoloDetector::YoloDetector(nn::Module& model, optim::Optimizer& optimizer, const YoloOptions& options)
    : model_(model), optimizer_(optimizer), options_(options) {
  SOMA_CHECK(options.grid >= 1 && options.boxes >= 1 && options.classes >= 1 && options.lambda_coord >= 0 &&
                 options.lambda_noobj >= 0,
             "YoloDetector: expected grid, boxes, classes >= 1 and lambdas >= 0, got grid ", options.grid, ", boxes ",
             options.boxes, ", classes ", options.classes, ", lambda_coord ", options.lambda_coord,
             ", lambda_noobj ", options.lambda_noobj);
}

train::StepResult YoloDetector::train_step(const data::Batch& batch) {
  const Tensor output = model_(batch.x);
  const Tensor loss = yolo_loss(output, batch.y, options_);
  (loss + model_.regularization_loss()).backward();
  apply_step(optimizer_);
  train::StepResult r;
  r.values["loss"] = loss.item();
  r.examples = batch.x.size(0);
  return r;
}

train::StepResult YoloDetector::evaluate_step(const data::Batch& batch) {
  const Tensor output = model_(batch.x);
  train::StepResult r;
  r.values["loss"] = yolo_loss(output, batch.y, options_).item();
  r.examples = batch.x.size(0);
  return r;
}

MeanAveragePrecision evaluate_detector(nn::Module& model, std::shared_ptr<const data::Dataset> dataset,
                                       const YoloOptions& options, const DetectionEval& eval) {
  std::vector<std::vector<Detection>> detections;
  std::vector<std::vector<Object>> truths;
  train::for_each_eval_batch(model, dataset, eval.batch_size, "evaluate_detector", [&](const data::Batch& batch) {
    for (auto& d : yolo_detections(model(batch.x), options, eval.score_threshold, eval.nms_iou))
      detections.push_back(std::move(d));
    for (auto& t : objects_of(batch.y)) truths.push_back(std::move(t));
  });
  return mean_average_precision(detections, truths, options.classes, eval.match_iou);
}

MapLogger::MapLogger(std::shared_ptr<const data::Dataset> dataset, const YoloOptions& options,
                     const DetectionEval& eval, std::string key)
    : dataset_(std::move(dataset)), options_(options), eval_(eval), key_(std::move(key)) {
  SOMA_CHECK(dataset_ && dataset_->size() > 0, "MapLogger: expected a non-empty data set to evaluate on");
}

void MapLogger::on_epoch_end(train::Context& context, std::int64_t, train::Logs& logs) {
  logs[key_] = evaluate_detector(context.model(), dataset_, options_, eval_).map;
}

}  // namespace soma::detection
