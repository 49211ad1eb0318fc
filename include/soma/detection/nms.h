// Non-maximum suppression: of detections of one class that overlap too much, keep the most
// confident. Greedy, as in YOLO, Fast R-CNN and torchvision.ops.batched_nms.
#pragma once

#include <vector>

#include "soma/detection/box.h"

namespace soma::detection {

/// The detections kept, most confident first: each in turn is kept unless a kept detection of
/// the same label overlaps it with IoU > iou_threshold (labels never suppress each other).
/// Equal scores keep their given order. Throws soma::Error unless 0 <= iou_threshold <= 1.
std::vector<Detection> nms(std::vector<Detection> detections, double iou_threshold = 0.5);

}  // namespace soma::detection
