// The training sections of a config: "loss", "optimizer", "schedule", "callbacks" and
// "augment". Each reads its options with PyTorch's (or Keras') names and defaults; the
// library's own checks (a beta outside [0, 1), say) are reported at the section's path.
#include <map>

#include "soma/config/builders.h"
#include "soma/data/augment.h"
#include "soma/data/elastic.h"
#include "soma/data/transforms.h"
#include "soma/ops/sequence_loss.h"
#include "soma/optim/adagrad.h"
#include "soma/optim/adam.h"
#include "soma/optim/adamw.h"
#include "soma/optim/rmsprop.h"
#include "soma/optim/sgd.h"
#include "soma/train/early_stopping.h"
#include "soma/train/lr_schedule.h"
#include "soma/train/model_checkpoint.h"

namespace soma::config {

namespace {

// The config's "checkpoint" callback keeps the best model's weights in the run folder unless
// told otherwise: ModelCheckpointOptions' own defaults (every epoch, the whole training state,
// no path) serve fit(..., resume), which the command's run folder does through its own
// checkpoints. These, and kNoiseStd, are the only defaults of this file not taken from the library.
constexpr const char* kCheckpointFile = "best.safetensors";
constexpr bool kCheckpointSaveBestOnly = true;
constexpr bool kCheckpointWeightsOnly = true;
// gaussian_noise has no default std in the library (it must be chosen); a config may leave it out.
constexpr double kNoiseStd = 0.1;

template <class F>
auto at_path(const std::string& path, F&& make) {
  try {
    return make();
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    fail(path, e.what());
  }
}

// "name" or {"type": "name", ...}: the section and its type, one of `types`.
std::string type_of(const Json& spec, const std::string& path, const std::vector<std::string>& types, Json& object) {
  object = spec.is_string() ? Json{{"type", spec}} : spec;
  std::string list;
  for (const auto& t : types) list += (list.empty() ? "\"" : ", \"") + t + "\"";
  if (!object.is_object()) fail(path, "expected one of " + list + " or an object with a \"type\", got " + describe(spec));
  if (!object.contains("type")) fail(path + ".type", "missing; expected one of " + list);
  const Json& t = object["type"];
  if (!t.is_string() || std::find(types.begin(), types.end(), t.get<std::string>()) == types.end())
    fail(path + ".type", "expected one of " + list + ", got " + describe(t));
  return t.get<std::string>();
}

// "reduction", defaulting to the options struct's `fallback`.
Reduction reduction(Section& s, Reduction fallback) {
  const std::string r = s.text("reduction", fallback == Reduction::sum ? "sum" : "mean", {"mean", "sum"});
  return r == "sum" ? Reduction::sum : Reduction::mean;
}

// "mode", defaulting to the options struct's `fallback`.
train::MonitorMode monitor_mode(Section& s, train::MonitorMode fallback) {
  const std::string name = fallback == train::MonitorMode::min   ? "min"
                           : fallback == train::MonitorMode::max ? "max"
                                                                 : "auto";
  const std::string m = s.text("mode", name, {"auto", "min", "max"});
  return m == "min" ? train::MonitorMode::min : m == "max" ? train::MonitorMode::max : train::MonitorMode::automatic;
}

// One augmentation transform of data/augment.h (or the flip of transforms.h) from its section.
data::Transform build_transform(Section& s, const std::string& type) {
  const Bounds probability{.lo = 0, .hi = 1};
  if (type == "random_horizontal_flip") return data::random_horizontal_flip(s.number("p", data::kFlipProbability, probability));
  if (type == "random_shift") return data::random_shift(s.integer("max_shift", std::nullopt, 0));
  if (type == "random_crop") {
    const Pair size = s.pair("size", std::nullopt, 1);
    data::RandomCropOptions o{.height = size.h, .width = size.w};
    o.padding = s.integer("padding", o.padding, 0);
    o.fill = s.number("fill", o.fill);
    return data::random_crop(o);
  }
  if (type == "random_rotation") {
    data::RandomRotationOptions o;
    o.degrees = s.number("degrees", std::nullopt, {.lo = 0, .hi = 180});
    const bool bilinear = o.interpolation == data::Interpolation::bilinear;
    o.interpolation = s.text("interpolation", bilinear ? "bilinear" : "nearest", {"nearest", "bilinear"}) == "bilinear"
                          ? data::Interpolation::bilinear
                          : data::Interpolation::nearest;
    o.fill = s.number("fill", o.fill);
    return data::random_rotation(o);
  }
  if (type == "elastic_distortion") {
    data::ElasticDistortionOptions o;
    o.alpha = s.number("alpha", o.alpha, {.lo = 0});
    o.sigma = s.number("sigma", o.sigma, {.lo = 0, .lo_open = true});
    o.fill = s.number("fill", o.fill);
    return data::elastic_distortion(o);
  }
  if (type == "gaussian_noise") {
    const double mean = s.number("mean", data::kGaussianNoiseMean);
    return data::gaussian_noise(s.number("std", kNoiseStd, {.lo = 0}), mean);
  }
  // random_erasing: "value" is a number or "random" (standard normal draws, torchvision's 'random').
  data::RandomErasingOptions o;
  o.p = s.number("p", o.p, probability);
  auto range = [&](const std::string& key, std::pair<double, double> fallback, Bounds bounds) {
    const auto v = s.numbers(key, std::vector<double>{fallback.first, fallback.second});
    if (v.size() != 2 || !bounds.contains(v[0]) || !bounds.contains(v[1]) || v[0] > v[1])
      fail(s.path_of(key), "expected [low, high] with low <= high, each " + bounds.describe() + ", got " +
                               describe(Json(v)));
    return std::pair<double, double>(v[0], v[1]);
  };
  o.scale = range("scale", o.scale, probability);
  o.ratio = range("ratio", o.ratio, {.lo = 0, .lo_open = true});
  const Json* value = s.raw("value");
  if (value && value->is_string()) {
    if (value->get<std::string>() != "random")
      fail(s.path_of("value"), "expected a number or \"random\", got " + describe(*value));
    o.random_values = true;
    s.set("value", "random");
  } else if (value && !value->is_null() && !value->is_number()) {
    fail(s.path_of("value"), "expected a number or \"random\", got " + describe(*value));
  } else {
    if (value && value->is_number()) o.value = value->get<double>();
    s.set("value", o.value);
  }
  return data::random_erasing(o);
}

}  // namespace

std::unique_ptr<loss::Loss> build_loss(const Json& spec, const std::string& path, Json& resolved) {
  Json object;
  const std::string type = type_of(spec, path, {"cross_entropy", "mse", "mae", "bce", "bce_with_logits", "hinge",
                                                "huber", "smooth_l1", "sequence_cross_entropy", "nll",
                                                "categorical_crossentropy", "sparse_categorical_crossentropy"},
                                   object);
  Section s(object, path, "loss " + type);
  s.text("type", type);
  std::unique_ptr<loss::Loss> loss;
  if (type == "hinge") {
    loss::HingeOptions o;
    o.margin = s.number("margin", o.margin);
    o.reduction = reduction(s, o.reduction);
    loss = std::make_unique<loss::Hinge>(o);
  } else if (type == "huber") {
    loss::HuberOptions o;
    o.delta = s.number("delta", o.delta, {.lo = 0, .lo_open = true});
    o.reduction = reduction(s, o.reduction);
    loss = std::make_unique<loss::Huber>(o);
  } else if (type == "smooth_l1") {
    loss::SmoothL1Options o;
    o.beta = s.number("beta", o.beta, {.lo = 0});
    o.reduction = reduction(s, o.reduction);
    loss = std::make_unique<loss::SmoothL1>(o);
  } else if (type == "sequence_cross_entropy") {
    // Logits [N, T, V] against next-token ids [N, T] (ops/sequence_loss.h); mean over tokens.
    SequenceLossOptions o;
    o.reduction = reduction(s, o.reduction);
    if (const Json* ignore = s.raw("ignore_index"); ignore && !ignore->is_null())
      o.ignore_index = s.integer("ignore_index", std::nullopt, std::numeric_limits<std::int64_t>::min());
    else
      s.set("ignore_index", nullptr);
    loss = std::make_unique<loss::Function>(
        "sequence_cross_entropy", [o](const Tensor& logits, const Tensor& targets) {
          return sequence_cross_entropy(logits, targets, o);
        },
        o.reduction);
  } else if (type == "categorical_crossentropy" || type == "sparse_categorical_crossentropy") {
    // Keras' names: probabilities (or logits with from_logits) against one-hot rows or labels.
    loss::CategoricalCrossentropyOptions o;
    o.from_logits = s.boolean("from_logits", o.from_logits);
    o.reduction = reduction(s, o.reduction);
    loss = std::make_unique<loss::CategoricalCrossentropy>(o);
  } else {
    loss::LossOptions o;
    o.reduction = reduction(s, o.reduction);
    if (type == "cross_entropy") loss = std::make_unique<loss::CrossEntropy>(o);
    if (type == "nll") loss = std::make_unique<loss::NLL>(o);
    if (type == "mse") loss = std::make_unique<loss::MSE>(o);
    if (type == "mae") loss = std::make_unique<loss::MAE>(o);
    if (type == "bce") loss = std::make_unique<loss::BCE>(o);
    if (type == "bce_with_logits") loss = std::make_unique<loss::BCEWithLogits>(o);
  }
  s.finish();
  resolved = s.resolved();
  return loss;
}

std::unique_ptr<optim::Optimizer> build_optimizer(const Json& spec, const std::string& path,
                                                  std::vector<Tensor> params, Json& resolved) {
  Json object;
  const std::string type = type_of(spec, path, {"sgd", "adam", "adamw", "adagrad", "rmsprop"}, object);
  Section s(object, path, "optimizer " + type);
  s.text("type", type);
  const Bounds non_negative{.lo = 0};
  auto betas = [&](Section& s, std::array<double, 2> fallback) {
    const auto b = s.numbers("betas", std::vector<double>(fallback.begin(), fallback.end()));
    if (b.size() != 2) fail(s.path_of("betas"), "expected a list of two numbers in [0, 1), got " + describe(Json(b)));
    return std::array<double, 2>{b[0], b[1]};
  };
  std::unique_ptr<optim::Optimizer> opt = at_path(path, [&]() -> std::unique_ptr<optim::Optimizer> {
    if (type == "sgd") {
      optim::SGDOptions o;
      o.lr = s.number("lr", o.lr, non_negative);
      o.momentum = s.number("momentum", o.momentum, non_negative);
      o.dampening = s.number("dampening", o.dampening);
      o.weight_decay = s.number("weight_decay", o.weight_decay, non_negative);
      o.nesterov = s.boolean("nesterov", o.nesterov);
      return std::make_unique<optim::SGD>(params, o);
    }
    if (type == "adam") {
      optim::AdamOptions o;
      o.lr = s.number("lr", o.lr, non_negative);
      o.betas = betas(s, o.betas);
      o.eps = s.number("eps", o.eps, non_negative);
      o.weight_decay = s.number("weight_decay", o.weight_decay, non_negative);
      o.amsgrad = s.boolean("amsgrad", o.amsgrad);
      return std::make_unique<optim::Adam>(params, o);
    }
    if (type == "adamw") {
      optim::AdamWOptions o;
      o.lr = s.number("lr", o.lr, non_negative);
      o.betas = betas(s, o.betas);
      o.eps = s.number("eps", o.eps, non_negative);
      o.weight_decay = s.number("weight_decay", o.weight_decay, non_negative);
      o.amsgrad = s.boolean("amsgrad", o.amsgrad);
      return std::make_unique<optim::AdamW>(params, o);
    }
    if (type == "adagrad") {
      optim::AdaGradOptions o;
      o.lr = s.number("lr", o.lr, non_negative);
      o.lr_decay = s.number("lr_decay", o.lr_decay, non_negative);
      o.weight_decay = s.number("weight_decay", o.weight_decay, non_negative);
      o.initial_accumulator_value = s.number("initial_accumulator_value", o.initial_accumulator_value, non_negative);
      o.eps = s.number("eps", o.eps, non_negative);
      return std::make_unique<optim::AdaGrad>(params, o);
    }
    optim::RMSpropOptions o;
    o.lr = s.number("lr", o.lr, non_negative);
    o.alpha = s.number("alpha", o.alpha, non_negative);
    o.eps = s.number("eps", o.eps, non_negative);
    o.weight_decay = s.number("weight_decay", o.weight_decay, non_negative);
    o.momentum = s.number("momentum", o.momentum, non_negative);
    o.centered = s.boolean("centered", o.centered);
    return std::make_unique<optim::RMSprop>(params, o);
  });
  s.finish();
  resolved = s.resolved();
  return opt;
}

void build_schedule(const Json& spec, const std::string& path, optim::Optimizer& optimizer,
                    std::unique_ptr<optim::LRScheduler>& scheduler, std::vector<train::CallbackHandle>& callbacks,
                    Json& resolved) {
  if (spec.is_null()) {
    resolved = nullptr;
    return;
  }
  Json object;
  const std::string type =
      type_of(spec, path, {"step", "multistep", "exponential", "cosine", "warmup", "onecycle", "plateau"}, object);
  Section s(object, path, "schedule " + type);
  s.text("type", type);
  at_path(path, [&] {
    if (type == "step") {
      optim::StepLROptions o;
      o.step_size = s.integer("step_size", std::nullopt, 1);
      o.gamma = s.number("gamma", o.gamma);
      scheduler = std::make_unique<optim::StepLR>(optimizer, o);
    } else if (type == "multistep") {
      optim::MultiStepLROptions o;
      o.milestones = s.integers("milestones", std::nullopt, 0);
      o.gamma = s.number("gamma", o.gamma);
      scheduler = std::make_unique<optim::MultiStepLR>(optimizer, o);
    } else if (type == "exponential") {
      scheduler = std::make_unique<optim::ExponentialLR>(
          optimizer, optim::ExponentialLROptions{s.number("gamma", std::nullopt, {.lo = 0, .lo_open = true})});
    } else if (type == "cosine") {
      optim::CosineAnnealingLROptions o;
      o.t_max = s.integer("t_max", std::nullopt, 1);
      o.eta_min = s.number("eta_min", o.eta_min, {.lo = 0});
      scheduler = std::make_unique<optim::CosineAnnealingLR>(optimizer, o);
    } else if (type == "warmup") {
      optim::LinearWarmupOptions o;
      o.start_factor = s.number("start_factor", o.start_factor, {.lo = 0, .hi = 1, .lo_open = true});
      o.end_factor = s.number("end_factor", o.end_factor, {.lo = 0, .hi = 1});
      o.total_iters = s.integer("total_iters", o.total_iters, 1);
      scheduler = std::make_unique<optim::LinearWarmup>(optimizer, o);
    } else if (type == "onecycle") {
      optim::OneCycleLROptions o;
      o.max_lr = s.number("max_lr", std::nullopt, {.lo = 0, .lo_open = true});
      o.total_steps = s.integer("total_steps", 0, 0);  // 0: the run's epochs x batches per epoch
      o.pct_start = s.number("pct_start", o.pct_start, {.lo = 0, .hi = 1});
      const std::string anneal = s.text("anneal_strategy", "cos", {"cos", "linear"});
      o.anneal_strategy = anneal == "cos" ? optim::Anneal::cos : optim::Anneal::linear;
      o.cycle_momentum = s.boolean("cycle_momentum", o.cycle_momentum);
      o.base_momentum = s.number("base_momentum", o.base_momentum, {.lo = 0, .hi = 1, .hi_open = true});
      o.max_momentum = s.number("max_momentum", o.max_momentum, {.lo = 0, .hi = 1, .hi_open = true});
      o.div_factor = s.number("div_factor", o.div_factor, {.lo = 0, .lo_open = true});
      o.final_div_factor = s.number("final_div_factor", o.final_div_factor, {.lo = 0, .lo_open = true});
      o.three_phase = s.boolean("three_phase", o.three_phase);
      // Checked now rather than when training starts (a config error, not a run's).
      if (o.cycle_momentum && !optimizer.momentum())
        fail(path + ".cycle_momentum", "the optimizer " + optimizer.name() +
                                           " has no momentum to cycle (SGD or RMSprop with momentum > 0, or Adam, "
                                           "AdamW); set \"cycle_momentum\": false");
      callbacks.push_back(train::OneCycleLR(o));
    } else {
      train::ReduceLROnPlateauOptions o;
      o.monitor = s.text("monitor", o.monitor);
      o.mode = monitor_mode(s, o.mode);
      o.factor = s.number("factor", o.factor, {.lo = 0, .hi = 1, .hi_open = true});
      o.patience = s.integer("patience", o.patience, 0);
      o.threshold = s.number("threshold", o.threshold, {.lo = 0});
      o.cooldown = s.integer("cooldown", o.cooldown, 0);
      o.min_lr = s.number("min_lr", o.min_lr, {.lo = 0});
      callbacks.push_back(train::ReduceLROnPlateau(o));
    }
    if (scheduler) callbacks.push_back(train::LearningRateScheduler(*scheduler));
    return 0;
  });
  s.finish();
  resolved = s.resolved();
}

std::vector<train::CallbackHandle> build_callbacks(const Json& spec, const std::string& path,
                                                   const std::string& run_dir, Json& resolved) {
  std::vector<train::CallbackHandle> out;
  resolved = Json::array();
  if (spec.is_null()) return out;
  if (!spec.is_array()) fail(path, "expected a list of callbacks, got " + describe(spec));
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    Json object;
    const std::string type = type_of(spec[i], at, {"early_stopping", "checkpoint"}, object);
    Section s(object, at, type);
    s.text("type", type);
    if (type == "early_stopping") {
      train::EarlyStoppingOptions o;
      o.monitor = s.text("monitor", o.monitor);
      o.min_delta = s.number("min_delta", o.min_delta);
      o.patience = s.integer("patience", o.patience, 0);
      o.mode = monitor_mode(s, o.mode);
      if (const Json* b = s.raw("baseline"); b && !b->is_null()) o.baseline = s.number("baseline", std::nullopt);
      else s.set("baseline", nullptr);
      o.restore_best_weights = s.boolean("restore_best_weights", o.restore_best_weights);
      o.verbose = 1;
      out.push_back(at_path(at, [&] { return train::CallbackHandle(train::EarlyStopping(o)); }));
    } else {
      train::ModelCheckpointOptions o;
      const std::string file = s.text("file", kCheckpointFile);
      if (file.empty() || file.find('/') != std::string::npos)
        fail(s.path_of("file"), "expected a file name inside the run folder (no '/'), got \"" + file + "\"");
      o.path = run_dir.empty() ? file : run_dir + "/" + file;
      o.monitor = s.text("monitor", o.monitor);
      o.mode = monitor_mode(s, o.mode);
      o.save_best_only = s.boolean("save_best_only", kCheckpointSaveBestOnly);
      o.every_n_epochs = s.integer("every_n_epochs", o.every_n_epochs, 1);
      o.weights_only = s.boolean("weights_only", kCheckpointWeightsOnly);
      out.push_back(at_path(at, [&] { return train::CallbackHandle(train::ModelCheckpoint(o)); }));
    }
    s.finish();
    resolved.push_back(s.resolved());
  }
  return out;
}

std::vector<data::Transform> build_augment(const Json& spec, const std::string& path, Json& resolved) {
  std::vector<data::Transform> out;
  resolved = Json::array();
  if (spec.is_null()) return out;
  if (!spec.is_array()) fail(path, "expected a list of transforms, got " + describe(spec));
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    Json object;
    // Only random transforms belong here: they apply to training batches, never to evaluation
    // (scale the data for both with data.scale).
    const std::string type = type_of(spec[i], at,
                                     {"random_horizontal_flip", "random_shift", "random_crop", "random_rotation",
                                      "gaussian_noise", "random_erasing", "elastic_distortion"},
                                     object);
    Section s(object, at, type);
    s.text("type", type);
    out.push_back(at_path(at, [&] { return build_transform(s, type); }));
    s.finish();
    resolved.push_back(s.resolved());
  }
  return out;
}

}  // namespace soma::config
