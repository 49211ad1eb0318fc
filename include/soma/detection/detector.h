// The YOLO v1 detector as a Learner: any model whose output is [N, 5B + C, S, S] (yolo.h),
// trained on data::Canvases targets with yolo_loss; and its evaluation the PASCAL VOC way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "soma/data/dataset.h"
#include "soma/detection/average_precision.h"
#include "soma/detection/yolo.h"
#include "soma/train/callback.h"
#include "soma/train/learner.h"

namespace soma::detection {

/// Step values: "loss" (yolo_loss, per example). mAP needs every image's detections at once, so
/// it is not a step value: see evaluate_detector.
class YoloDetector : public train::Learner {
 public:
  /// The model and optimizer must outlive the learner. Throws soma::Error for bad options.
  YoloDetector(nn::Module& model, optim::Optimizer& optimizer, const YoloOptions& options);
  std::string name() const override { return "yolo"; }
  train::StepResult train_step(const data::Batch& batch) override;
  train::StepResult evaluate_step(const data::Batch& batch) override;
  nn::Module& model() override { return model_; }
  std::vector<optim::Optimizer*> optimizers() override { return {&optimizer_}; }
  const YoloOptions& options() const { return options_; }

 private:
  nn::Module& model_;
  optim::Optimizer& optimizer_;
  YoloOptions options_;
};

/// How detections are read and scored.
struct DetectionEval {
  double score_threshold = 0.01;  ///< detections below this score are dropped before NMS
  double nms_iou = 0.5;           ///< NMS's IoU threshold
  double match_iou = 0.5;         ///< a detection's IoU with its truth to count (mAP@0.5)
  std::int64_t batch_size = 64;
};

/// The model's mAP on `dataset` (targets as data::Canvases makes them), in eval mode without a
/// graph (the model's mode is restored). Throws soma::Error for an empty dataset, or as
/// yolo_loss for outputs or targets that do not fit.
MeanAveragePrecision evaluate_detector(nn::Module& model, std::shared_ptr<const data::Dataset> dataset,
                                       const YoloOptions& options, const DetectionEval& eval = {});

/// Adds the mAP of the model on `dataset` to every epoch's logs as `key` (default "val_map50"),
/// so History, metrics.csv and the progress lines have the detection curve. Place it before
/// the callbacks that read the logs (CSVLogger, EarlyStopping). The dataset must outlive the fit.
class MapLogger : public train::Callback {
 public:
  MapLogger(std::shared_ptr<const data::Dataset> dataset, const YoloOptions& options, const DetectionEval& eval = {},
            std::string key = "val_map50");
  std::string name() const override { return "MapLogger"; }
  void on_epoch_end(train::Context& context, std::int64_t epoch, train::Logs& logs) override;

 private:
  std::shared_ptr<const data::Dataset> dataset_;
  YoloOptions options_;
  DetectionEval eval_;
  std::string key_;
};

}  // namespace soma::detection
