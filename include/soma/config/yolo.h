// The config of a YOLO v1-style detector: {"learner": {"type": "yolo", ...}} with the "data"
// set of synthetic canvases ({"dataset": "canvases"}), a "model" whose output per example is
// [5B + C, S, S], an "optimizer" and an optional "schedule". The learner is
// detection::YoloDetector; after every epoch with validation the test set's mAP@0.5 is logged
// as "val_map50". Keys and defaults: docs/cli.md, "learner", and docs/detection.md.
#pragma once

#include "soma/config/learner.h"

namespace soma::config {

/// A whole {"learner": "yolo"} config: settings, data (targets [N, K, 5] as data::Canvases
/// makes them), model (its weights from a Generator seeded with the config's seed, checked to
/// output [5B + C, S, S]), optimizer, schedule, a detection::MapLogger on the test set (when
/// validating), and the "callbacks". "loss" and "augment" are refused (the loss is YOLO's, and
/// a flip or shift would move the boxes without their targets).
/// Throws ConfigError naming the JSON path of the first mistake.
LearnerExperiment build_yolo_experiment(const Json& config, const BuildOptions& options = {});

}  // namespace soma::config
