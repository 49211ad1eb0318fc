// The YOLO v1 loss as soma ops, so that autograd differentiates it: the targets and the weight
// of every squared error are laid out first (constants, plain loops over the detached
// predictions), then loss = (sum w_box (sigmoid(box channels) - t_box)^2
//                            + sum w_cls (softmax(class channels) - t_cls)^2) / N.
#include "soma/detection/yolo.h"

#include <algorithm>
#include <cmath>

#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/detection/nms.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma::detection {
namespace {

constexpr int kBoxFields = 5;  // x, y, sqrt w, sqrt h, objectness

void check(const Tensor& output, const YoloOptions& o, const char* who) {
  SOMA_CHECK(o.grid >= 1 && o.boxes >= 1 && o.classes >= 1, who, ": grid, boxes and classes must be >= 1, got ",
             o.grid, ", ", o.boxes, " and ", o.classes);
  SOMA_CHECK(output.defined() && output.dim() == 4 && output.size(1) == yolo_channels(o) &&
                 output.size(2) == o.grid && output.size(3) == o.grid && is_floating(output.dtype()),
             who, ": expected a float output [N, 5 * ", o.boxes, " + ", o.classes, " = ", yolo_channels(o), ", ",
             o.grid, ", ", o.grid, "], got ", output.defined() ? output.shape() : Shape{});
}

// Predictor b's box at cell (row, col) from its sigmoid values v[k * cells] (k = field).
Box decode(const double* v, std::int64_t cells, int row, int col, int grid) {
  const double cx = (col + v[0]) / grid, cy = (row + v[cells]) / grid;
  const double w = v[2 * cells] * v[2 * cells], h = v[3 * cells] * v[3 * cells];
  return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

}  // namespace

std::int64_t yolo_channels(const YoloOptions& o) { return std::int64_t(kBoxFields) * o.boxes + o.classes; }

Tensor yolo_loss(const Tensor& output, const Tensor& targets, const YoloOptions& o) {
  check(output, o, "yolo_loss");
  SOMA_CHECK(targets.defined() && targets.dim() == 3 && targets.size(0) == output.size(0) && targets.size(2) == 5,
             "yolo_loss: expected targets [", output.size(0), ", K, 5] (class, x1, y1, x2, y2) for the output ",
             output.shape(), ", got ", targets.defined() ? targets.shape() : Shape{});
  const std::int64_t n = output.size(0), s = o.grid, cells = s * s, nb = std::int64_t(kBoxFields) * o.boxes;
  const Tensor box_scores = slice(output, 1, 0, nb), class_scores = slice(output, 1, nb, nb + o.classes);
  Tensor seen;
  {
    NoGradGuard no_grad;
    seen = sigmoid(box_scores).to(DType::f64);
  }
  const double* v = seen.data<double>();
  // Every box's objectness is pushed to 0 with lambda_noobj unless it turns out responsible.
  Tensor box_target = zeros({n, nb, s, s}, DType::f64), box_weight = zeros({n, nb, s, s}, DType::f64);
  Tensor class_target = zeros({n, o.classes, s, s}, DType::f64), class_weight = zeros({n, o.classes, s, s}, DType::f64);
  double* tb = box_target.data<double>();
  double* wb = box_weight.data<double>();
  double* tc = class_target.data<double>();
  double* wc = class_weight.data<double>();
  for (std::int64_t i = 0; i < n; ++i)
    for (int b = 0; b < o.boxes; ++b) std::fill_n(wb + (i * nb + b * kBoxFields + 4) * cells, cells, o.lambda_noobj);
  const auto objects = objects_of(targets);
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<bool> taken(std::size_t(cells), false);
    for (const Object& object : objects[std::size_t(i)]) {
      SOMA_CHECK(object.label < o.classes, "yolo_loss: target class ", object.label, " of example ", i,
                 " outside [0, ", o.classes, ")");
      const Box& t = object.box;
      const double cx = (t.x1 + t.x2) / 2, cy = (t.y1 + t.y2) / 2;
      const int col = std::clamp(int(std::floor(cx * s)), 0, int(s) - 1);
      const int row = std::clamp(int(std::floor(cy * s)), 0, int(s) - 1);
      const std::int64_t cell = row * s + col;
      if (taken[std::size_t(cell)]) continue;
      taken[std::size_t(cell)] = true;
      int best = 0;
      double best_iou = -1;
      for (int b = 0; b < o.boxes; ++b) {
        const double overlap = iou(decode(v + (i * nb + b * kBoxFields) * cells + cell, cells, row, col, int(s)), t);
        if (overlap > best_iou) best_iou = overlap, best = b;
      }
      const std::int64_t at = (i * nb + best * kBoxFields) * cells + cell;
      const double fields[kBoxFields] = {cx * s - col, cy * s - row, std::sqrt(std::max(0.0, t.x2 - t.x1)),
                                         std::sqrt(std::max(0.0, t.y2 - t.y1)), o.rescore ? best_iou : 1.0};
      for (int k = 0; k < kBoxFields; ++k) {
        tb[at + k * cells] = fields[k];
        wb[at + k * cells] = k < 4 ? o.lambda_coord : 1.0;
      }
      for (int c = 0; c < o.classes; ++c) {
        wc[(i * o.classes + c) * cells + cell] = 1;
        tc[(i * o.classes + c) * cells + cell] = c == object.label ? 1 : 0;
      }
    }
  }
  const DType dt = output.dtype();
  const Tensor box_error = sigmoid(box_scores) - box_target.to(dt);
  const Tensor class_error = softmax(class_scores, 1) - class_target.to(dt);
  return (sum(box_weight.to(dt) * box_error * box_error) + sum(class_weight.to(dt) * class_error * class_error)) /
         double(n);
}

std::vector<std::vector<Detection>> yolo_boxes(const Tensor& output, const YoloOptions& o) {
  check(output, o, "yolo_boxes");
  const std::int64_t n = output.size(0), s = o.grid, cells = s * s, nb = std::int64_t(kBoxFields) * o.boxes;
  Tensor boxes, probs;
  {
    NoGradGuard no_grad;
    boxes = sigmoid(slice(output, 1, 0, nb)).to(DType::f64);
    probs = softmax(slice(output, 1, nb, nb + o.classes), 1).to(DType::f64);
  }
  const double* v = boxes.data<double>();
  const double* p = probs.data<double>();
  std::vector<std::vector<Detection>> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    for (int row = 0; row < s; ++row)
      for (int col = 0; col < s; ++col) {
        const std::int64_t cell = row * s + col;
        int label = 0;
        for (int c = 1; c < o.classes; ++c)
          if (p[(i * o.classes + c) * cells + cell] > p[(i * o.classes + label) * cells + cell]) label = c;
        const double top = p[(i * o.classes + label) * cells + cell];
        for (int b = 0; b < o.boxes; ++b) {
          const double* at = v + (i * nb + b * kBoxFields) * cells + cell;
          Box box = decode(at, cells, row, col, int(s));
          box = {std::max(0.0, box.x1), std::max(0.0, box.y1), std::min(1.0, box.x2), std::min(1.0, box.y2)};
          out[std::size_t(i)].push_back({label, at[4 * cells] * top, box});
        }
      }
  return out;
}

std::vector<std::vector<Detection>> yolo_detections(const Tensor& output, const YoloOptions& o, double score_threshold,
                                                    double nms_iou) {
  auto all = yolo_boxes(output, o);
  for (auto& image : all) {
    std::erase_if(image, [&](const Detection& d) { return d.score < score_threshold; });
    image = nms(std::move(image), nms_iou);
  }
  return all;
}

}  // namespace soma::detection
