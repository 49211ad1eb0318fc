// Greedy NMS per label: O(n * kept), fine for the tens of boxes a grid detector proposes.
#include "soma/detection/nms.h"

#include <algorithm>

#include "soma/core/error.h"

namespace soma::detection {

std::vector<Detection> nms(std::vector<Detection> detections, double iou_threshold) {
  SOMA_CHECK(iou_threshold >= 0 && iou_threshold <= 1, "nms: iou_threshold must lie in [0, 1], got ", iou_threshold);
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (const Detection& d : detections) {
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
      return k.label == d.label && iou(k.box, d.box) > iou_threshold;
    });
    if (!suppressed) kept.push_back(d);
  }
  return kept;
}

}  // namespace soma::detection
