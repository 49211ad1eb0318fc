// Boxes for localization and detection: corner boxes (x1, y1, x2, y2) with their area and IoU,
// labelled objects (a ground truth) and scored detections (a prediction), and reading the
// objects of a canvas target (data/canvases.h). Plain numbers, no autograd: the losses of this
// layer pick and weigh with these and differentiate through soma ops only.
#pragma once

#include <cstdint>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::detection {

/// A box by its corners: (x1, y1) top left, (x2, y2) bottom right, in any one unit (canvas
/// fractions in this layer). A box with x2 <= x1 or y2 <= y1 is empty.
struct Box {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// The box's area; 0 for an empty box.
double area(const Box& b);
/// Intersection over union: area(a ∩ b) / area(a ∪ b), in [0, 1]; 0 when the union is empty.
double iou(const Box& a, const Box& b);

/// A ground-truth object.
struct Object {
  int label = 0;
  Box box;
};

/// A predicted object with its confidence.
struct Detection {
  int label = 0;
  double score = 0;
  Box box;
};

/// The objects of targets y [N, K, 5] (rows class, x1, y1, x2, y2; class -1 for no object, as
/// data::Canvases makes them), per example. Throws soma::Error naming the shape otherwise.
std::vector<std::vector<Object>> objects_of(const Tensor& targets);

}  // namespace soma::detection
