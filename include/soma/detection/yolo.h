// YOLO v1 (Redmon et al. 2016, "You Only Look Once"): a single-shot detector's loss and its
// decoding. The image is an S x S grid; each cell predicts B boxes (x, y, w, h, objectness) and
// one set of C class probabilities. The object whose box centre falls in a cell is that cell's;
// of the cell's B predictors, the one whose current box overlaps it most is responsible for it.
// The loss is the paper's sum of squared errors:
//   lambda_coord * sum_resp [(x - x^)^2 + (y - y^)^2 + (sqrt w - sqrt w^)^2 + (sqrt h - sqrt h^)^2]
//   + sum_resp (C - C^)^2 + lambda_noobj * sum_others C^2 + sum_cells with object sum_c (p_c - p^_c)^2,
// divided by the batch size. Not here: anchors and the later YOLO versions.
#pragma once

#include <cstdint>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/detection/box.h"

namespace soma::detection {

struct YoloOptions {
  int grid = 6;                ///< S: cells per side (>= 1)
  int boxes = 2;               ///< B: boxes predicted per cell (>= 1)
  int classes = 10;            ///< C (>= 1)
  double lambda_coord = 5;     ///< weight of the responsible boxes' coordinates (paper: 5)
  double lambda_noobj = 0.5;   ///< weight of the objectness of boxes responsible for nothing (0.5)
  /// The responsible box's objectness target: its IoU with the object (the paper, darknet's
  /// rescore=1) when true, else 1.
  bool rescore = true;
};

/// Channels a model's output has per cell: 5 B + C.
std::int64_t yolo_channels(const YoloOptions& options);

/// The model's output is raw: output [N, 5B + C, S, S], channels per cell (x, y, w, h, o) for
/// each of the B boxes, then C class scores. They are read as: x, y = sigmoid, the box centre's
/// offset in its cell (0..1 across the cell); sqrt w, sqrt h = sigmoid, so w, h in (0, 1) are
/// fractions of the image; o = sigmoid, the objectness; class probabilities = softmax of the C
/// scores. Targets [N, K, 5] are data::Canvases' rows (class, x1, y1, x2, y2 in image fractions;
/// class -1 for none). When two objects fall in one cell, the first row keeps it (YOLO v1
/// predicts one object per cell). Returns the scalar loss, differentiable in `output` (the
/// choice of responsible box and the IoU target are constants, as in the paper).
/// Throws soma::Error naming yolo_loss and the shapes when output or targets do not fit, or a
/// class lies outside [0, C).
Tensor yolo_loss(const Tensor& output, const Tensor& targets, const YoloOptions& options);

/// Boxes of one image read from the raw output, one per cell and predictor, before any
/// threshold: score = objectness * the cell's top class probability, label = that class, box
/// clipped to [0, 1]. Throws soma::Error as yolo_loss for a wrong output shape.
std::vector<std::vector<Detection>> yolo_boxes(const Tensor& output, const YoloOptions& options);

/// What a detector reports: yolo_boxes with score >= score_threshold, then nms per image.
std::vector<std::vector<Detection>> yolo_detections(const Tensor& output, const YoloOptions& options,
                                                    double score_threshold = 0.01, double nms_iou = 0.5);

}  // namespace soma::detection
