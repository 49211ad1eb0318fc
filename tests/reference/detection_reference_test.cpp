// Reference-value tests against PyTorch for the detection losses: the YOLO v1 loss and the
// localization loss (cross-entropy + smooth L1 on sigmoid corners), values and gradients in the
// model's outputs. Values from tests/reference/data/detection.json, written by
// make_detection_reference.py (which lays the YOLO targets out on its own); no Python here.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/detection/localizer.h"
#include "soma/detection/yolo.h"

namespace soma::test::reference {
namespace {

TEST(DetectionReference, LossesMatchPyTorch) {
  const OpTable table = {
      {"yolo_loss",
       [](const std::vector<Tensor>& in, const Json& args) {
         const detection::YoloOptions o{.grid = args.at("grid").get<int>(),
                                        .boxes = args.at("boxes").get<int>(),
                                        .classes = args.at("classes").get<int>(),
                                        .lambda_coord = args.at("lambda_coord").get<double>(),
                                        .lambda_noobj = args.at("lambda_noobj").get<double>(),
                                        .rescore = args.at("rescore").get<bool>()};
         return detection::yolo_loss(in.at(0), in.at(1), o);
       }},
      {"localization_loss",
       [](const std::vector<Tensor>& in, const Json& args) {
         const detection::LocalizerOptions o{.box_weight = args.at("box_weight").get<double>(),
                                             .beta = args.at("beta").get<double>()};
         return detection::localization_loss(in.at(0), in.at(1), in.at(2), o).total;
       }},
  };
  check_group("detection.json", table);
}

}  // namespace
}  // namespace soma::test::reference
