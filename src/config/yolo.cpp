// {"learner": "yolo"} configs (see config/yolo.h): YoloOptions and the evaluation's thresholds
// from the "learner" section, each default read from detection::YoloOptions{} and
// detection::DetectionEval{}; the rest are the usual model, optimizer and schedule sections.
#include "soma/config/yolo.h"

#include "config/experiment_parts.h"
#include "soma/core/generator.h"
#include "soma/detection/detector.h"
#include "soma/train/lr_schedule.h"

namespace soma::config {
namespace {

// Steps the config's epoch schedule and owns it: a LearnerExperiment has no other place for
// it, and train::LearningRateScheduler only refers to one.
class OwnedSchedule : public train::LearningRateScheduler {
 public:
  explicit OwnedSchedule(std::shared_ptr<optim::LRScheduler> schedule)
      : LearningRateScheduler(*schedule), schedule_(std::move(schedule)) {}

 private:
  std::shared_ptr<optim::LRScheduler> schedule_;
};

}  // namespace
LearnerExperiment build_yolo_experiment(const Json& config, const BuildOptions& options) {
  for (const char* key : {"loss", "augment"})
    if (config.is_object() && config.contains(key))
      fail(key, "a yolo learner takes no \"" + std::string(key) + "\": " +
                    (std::string(key) == "loss" ? "its loss is the YOLO loss of \"learner\""
                                                : "a transform would move the objects without their boxes"));
  Section top(config, "", "the config");
  LearnerExperiment e;
  detail::read_settings_and_data(top, options, e.settings, e.data);
  const Tensor& y = e.data.train->y();
  if (!y.defined() || y.dim() != 3 || y.size(2) != 5)
    fail("data", "a yolo learner trains on detection targets [N, K, 5] (class, x1, y1, x2, y2) as "
                 "{\"dataset\": \"canvases\"} gives, got targets " +
                     (y.defined() ? y.shape().str() : std::string("none")));

  const Json* spec = top.raw("learner");
  const Json learner_object = spec->is_string() ? Json{{"type", *spec}} : *spec;
  Section l(learner_object, "learner", "learner");
  l.text("type", std::nullopt, {"yolo"});
  const detection::YoloOptions d;
  detection::YoloOptions yolo;
  yolo.grid = int(l.integer("grid", d.grid, 1));
  yolo.boxes = int(l.integer("boxes", d.boxes, 1));
  yolo.classes = int(l.integer("classes", d.classes, 1));
  yolo.lambda_coord = l.number("lambda_coord", d.lambda_coord, {.lo = 0});
  yolo.lambda_noobj = l.number("lambda_noobj", d.lambda_noobj, {.lo = 0});
  yolo.rescore = l.boolean("rescore", d.rescore);
  const detection::DetectionEval de;
  detection::DetectionEval eval;
  eval.score_threshold = l.number("score_threshold", de.score_threshold, {.lo = 0, .hi = 1});
  eval.nms_iou = l.number("nms_iou", de.nms_iou, {.lo = 0, .hi = 1});
  eval.match_iou = l.number("match_iou", de.match_iou, {.lo = 0, .hi = 1, .lo_open = true});
  l.finish();
  top.set("learner", l.resolved());

  BuiltLearner& b = e.learner;
  b.type = "yolo";
  const Json* model = top.raw("model");
  if (!model) fail("model", "missing; expected {\"layers\": [...]} ending in " +
                                std::to_string(detection::yolo_channels(yolo)) + " channels on a " +
                                std::to_string(yolo.grid) + "x" + std::to_string(yolo.grid) + " grid");
  Generator gen(e.settings.seed);
  Json r;
  b.models.push_back(build_model(*model, "model", e.data.input_shape, options.dtype, gen, r));
  top.set("model", r);
  const std::vector<std::int64_t> want = {detection::yolo_channels(yolo), yolo.grid, yolo.grid};
  if (b.models[0].output_shape != want)
    fail("model", "expected an output of " + shape_text(want) + " per example (5 x boxes + classes, grid, grid), got " +
                      shape_text(b.models[0].output_shape));
  nn::Module& net = *b.models[0].model;

  const Json* opt = top.raw("optimizer");
  b.optimizers.push_back(build_optimizer(opt ? *opt : Json("adam"), "optimizer", net.parameters(), r));
  top.set("optimizer", r);
  if (const Json* schedule = top.raw("schedule")) {
    std::unique_ptr<optim::LRScheduler> epochs;
    std::vector<train::CallbackHandle> steppers;
    build_schedule(*schedule, "schedule", *b.optimizers[0], epochs, steppers, r);
    if (epochs) steppers = {OwnedSchedule(std::move(epochs))};  // in place of the one that only refers to it
    e.callbacks.insert(e.callbacks.end(), steppers.begin(), steppers.end());
    top.set("schedule", r);
  }
  if (e.data.test && e.settings.validate) e.callbacks.push_back(detection::MapLogger(e.data.test, yolo, eval));
  detail::read_callbacks_and_augment(top, options, e.callbacks, e.augment);
  b.learner = std::make_unique<detection::YoloDetector>(net, *b.optimizers[0], yolo);
  top.finish();
  e.resolved = top.resolved();
  return e;
}

}  // namespace soma::config
