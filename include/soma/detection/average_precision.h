// Mean average precision as PASCAL VOC computes it since 2010 (all-point interpolation): per
// class, detections of all images ranked by score, each matched to the unmatched ground truth
// it overlaps most (IoU >= the threshold: a true positive, else a false positive); AP is the
// area under the precision-recall curve made monotone (precision at recall r = the best
// precision at any recall >= r). No "difficult" objects: every truth counts.
#pragma once

#include <vector>

#include "soma/detection/box.h"

namespace soma::detection {

/// The all-point interpolated AP of one ranked list: recall and precision after each
/// detection, in rank order (recall non-decreasing). Throws soma::Error for lists of different
/// lengths.
double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision);

struct MeanAveragePrecision {
  double map = 0;                  ///< the mean of `per_class` over classes with a truth
  std::vector<double> per_class;   ///< AP per label; -1 for a label with no truth in any image
};

/// mAP of `detections` against `truths`, both per image (the same number of images), for
/// labels 0..classes-1. A detection whose best-overlapping truth of its label is already
/// matched is a false positive (a duplicate), as in VOC. Throws soma::Error for different image
/// counts, classes < 1, a label outside [0, classes) or a threshold outside (0, 1].
MeanAveragePrecision mean_average_precision(const std::vector<std::vector<Detection>>& detections,
                                            const std::vector<std::vector<Object>>& truths, int classes,
                                            double iou_threshold = 0.5);

}  // namespace soma::detection
