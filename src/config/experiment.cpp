// build_experiment: the whole config, section by section (see experiment.h), and the default.
#include "soma/config/experiment.h"

#include "config/experiment_parts.h"
#include "soma/config/learner.h"
#include "soma/classic/rbfn.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/core/threads.h"
#include "soma/nn/graph.h"
#include "soma/nn/sequential.h"
#include "soma/ops/view.h"

namespace soma::config {
namespace {

// An autoencoder's data: each example's target is its input, shaped as the model's output (a
// dense decoder gives [784] for images [1, 28, 28]). Class labels are dropped.
void use_inputs_as_targets(DataSets& data, const std::vector<std::int64_t>& output_shape) {
  std::int64_t out = 1, in = 1;
  for (auto d : output_shape) out *= d;
  for (auto d : data.input_shape) in *= d;
  if (out != in)
    fail("model", "an autoencoder's output must hold its input's " + std::to_string(in) + " values " +
                      shape_text(data.input_shape) + ", got " + shape_text(output_shape));
  auto targets = [&](const std::shared_ptr<data::TensorDataset>& set) {
    std::vector<std::int64_t> shape{set->x().size(0)};
    shape.insert(shape.end(), output_shape.begin(), output_shape.end());
    return std::make_shared<data::TensorDataset>(set->x(), reshape(set->x(), Shape(std::span<const std::int64_t>(shape))));
  };
  data.train = targets(data.train);
  if (data.test) data.test = targets(data.test);
  data.num_classes = 0;
  data.class_names.clear();
}

// The loss on the model's output shape and the data's targets, tried now on zeros for the
// first two examples, and every class label against the model's outputs: a mismatch found
// at the first training step would name no JSON path.
void check_loss_fits(const loss::Loss& loss, const Json& spec, const BuiltModel& model, const DataSets& data,
                     DType dtype) {
  const Tensor& y = data.train->y();
  const std::int64_t n = std::min<std::int64_t>(2, y.size(0));
  const std::string name = describe(spec.is_object() && spec.contains("type") ? spec.at("type") : spec);
  if (n > 0) {
    std::vector<std::int64_t> out_shape{n}, target_shape(y.shape().begin() + 1, y.shape().end());
    out_shape.insert(out_shape.end(), model.output_shape.begin(), model.output_shape.end());
    try {
      NoGradGuard no_grad;
      // Floating targets as the model's dtype, as a float64 gradcheck feeds them.
      Tensor target = slice(y, 0, 0, n);
      if (is_floating(target.dtype())) target = target.to(dtype);
      (void)loss(zeros(Shape(std::span<const std::int64_t>(out_shape)), dtype), target);
    } catch (const Error& error) {
      fail("loss", name + " does not fit the model's output " + shape_text(model.output_shape) +
                       " per example and the data's " + name_of(y.dtype()) + " targets " + shape_text(target_shape) +
                       " per example: " + error.what());
    }
  }
  // Class indices: cross-entropy's labels must index the model's last axis.
  const std::string type = spec.is_object() ? spec.value("type", "") : spec.is_string() ? spec.get<std::string>() : "";
  const bool by_class = type == "cross_entropy" || type == "nll" || type == "categorical_crossentropy" ||
                        type == "sparse_categorical_crossentropy";
  if (y.dtype() != DType::i64 || model.output_shape.empty() || !by_class) return;
  const std::int64_t classes = model.output_shape.back();
  for (const auto& set : {data.train, data.test}) {
    if (!set) continue;
    const std::int64_t* labels = set->y().data<std::int64_t>();
    for (std::int64_t i = 0; i < set->y().numel(); ++i)
      if (labels[i] < 0 || labels[i] >= classes)
        fail("loss", name + " needs class labels from 0 to " + std::to_string(classes - 1) + " for the model's " +
                         std::to_string(classes) + " outputs " + shape_text(model.output_shape) + ", but the " +
                         (set == data.train ? "training" : "test") + " data has label " + std::to_string(labels[i]) +
                         " (target " + std::to_string(i) + ")" +
                         (labels[i] < 0 ? std::string()
                                        : "; the last layer needs at least " + std::to_string(labels[i] + 1) + " outputs"));
  }
}

}  // namespace

Settings read_settings(Section& top) {
  Settings s;
  s.name = top.text("name", s.name);
  s.seed = std::uint64_t(top.integer("seed", s.seed, 0));
  const std::int64_t threads = top.integer("threads", s.threads, 0);
  if (threads > kMaxThreads)
    fail("threads", "expected an integer from 0 (all cores) to " + std::to_string(kMaxThreads) + ", got " +
                        std::to_string(threads));
  s.threads = int(threads);
  s.deterministic = top.boolean("deterministic", s.deterministic);
  s.epochs = top.integer("epochs", s.epochs, 0);
  s.batch_size = top.integer("batch_size", s.batch_size, 1);
  s.shuffle = top.boolean("shuffle", s.shuffle);
  s.validate = top.boolean("validate", s.validate);
  s.validation_split = top.number("validation_split", s.validation_split, {.lo = 0, .hi = 1, .hi_open = true});
  s.checkpoint_every = top.integer("checkpoint_every", s.checkpoint_every, 0);
  s.clip_grad_norm = top.number("clip_grad_norm", s.clip_grad_norm, {.lo = 0});
  s.clip_grad_value = top.number("clip_grad_value", s.clip_grad_value, {.lo = 0});
  s.verbose = int(top.integer("verbose", s.verbose, 0));
  if (s.verbose > 2) fail("verbose", "expected 0, 1 or 2, got " + std::to_string(s.verbose));
  return s;
}

namespace {

// RadialBasis layers with "init": "kmeans" (model.cpp reads the keys): centres by k-means of
// the first kmeans_rows training examples as they reach the layer, widths by the nearest centre.
void init_radial_basis_layers(const BuiltModel& model, const Json& resolved, const DataSets& data, Generator& gen) {
  auto* net = dynamic_cast<nn::Sequential*>(model.model.get());
  const Json* layers = resolved.is_array() ? &resolved : resolved.contains("layers") ? &resolved["layers"] : nullptr;
  if (!net || !layers) return;
  for (std::size_t i = 0; i < net->size() && i < layers->size(); ++i) {
    auto* rbf = dynamic_cast<nn::RadialBasis*>(&(*net)[i]);
    const Json& spec = (*layers)[i];
    if (!rbf || !spec.is_object() || spec.value("init", "uniform") != "kmeans") continue;
    const std::int64_t n = data.train->size(), rows = spec.value("kmeans_rows", std::int64_t(10000));
    NoGradGuard no_grad;
    Tensor x = slice(data.train->x(), 0, 0, rows > 0 ? std::min(rows, n) : n).to(rbf->options().dtype);
    for (std::size_t j = 0; j < i; ++j) x = (*net)[j](x);
    // Fewer examples than centres (a --limit run): repeat them, so k-means has K rows to start.
    const std::int64_t k = rbf->options().centres;
    if (x.size(0) < k) {
      std::vector<Tensor> copies((static_cast<std::size_t>(k) + std::size_t(x.size(0)) - 1) / std::size_t(x.size(0)), x);
      x = cat(copies, 0);
    }
    classic::init_radial_basis(*rbf, x, {.kmeans_iterations = spec.value("kmeans_iterations", 50),
                                         .width_scale = spec.value("width_scale", 1.0)}, gen);
  }
}

}  // namespace

Experiment build_experiment(const Json& config, const BuildOptions& options) {
  Section top(config, "", "the config");
  Experiment e;
  detail::read_settings_and_data(top, options, e.settings, e.data);
  Json r;

  // "learner": "autoencoder" trains the model to give back its input; gan, vae and rbm
  // configs are build_learner_experiment's (learner.h).
  const std::string learner = learner_type(config);
  if (learner != "supervised" && learner != "autoencoder")
    fail("learner", "a " + learner + " config is built by build_learner_experiment, not as a supervised model");
  if (top.raw("learner")) top.set("learner", learner);

  const Json* model = top.raw("model");
  if (!model) fail("model", "missing; expected {\"layers\": [...]}");
  // A generator of the run's own, not the process-wide one: the same seed builds the same
  // model (weights and dropout seeds) whatever else the process has drawn.
  Generator gen(e.settings.seed);
  e.model = build_model(*model, "model", e.data.input_shape, options.dtype, gen, r);
  init_radial_basis_layers(e.model, r, e.data, gen);
  top.set("model", r);
  if (learner == "autoencoder") use_inputs_as_targets(e.data, e.model.output_shape);
  if (auto graph = std::dynamic_pointer_cast<nn::Graph>(e.model.model)) {
    // The data gives one input and one target per example.
    if (graph->input_nodes().size() != 1)
      fail("model.inputs", "expected one input (the data's), got " + std::to_string(graph->input_nodes().size()));
    if (graph->output_nodes().size() != 1)
      fail("model.outputs", "expected one output (the loss takes one), got " +
                                std::to_string(graph->output_nodes().size()));
  }

  const Json* loss = top.raw("loss");
  e.loss = build_loss(loss ? *loss : Json("cross_entropy"), "loss", r);
  check_loss_fits(*e.loss, r, e.model, e.data, options.dtype);
  top.set("loss", r);
  const Json* opt = top.raw("optimizer");
  e.optimizer = build_optimizer(opt ? *opt : Json("adam"), "optimizer", e.model.model->parameters(), r);
  top.set("optimizer", r);
  const Json* schedule = top.raw("schedule");
  build_schedule(schedule ? *schedule : Json(), "schedule", *e.optimizer, e.scheduler, e.callbacks, r);
  top.set("schedule", r);
  detail::read_callbacks_and_augment(top, options, e.callbacks, e.augment);
  top.finish();
  e.resolved = top.resolved();
  return e;
}

namespace detail {

void read_settings_and_data(Section& top, const BuildOptions& options, Settings& settings, DataSets& data) {
  settings = read_settings(top);
  const Json* spec = top.raw("data");
  if (!spec) fail("data", "missing; expected \"fashion-mnist\", \"mnist\" or an object with \"train\" data");
  Json r;
  data = build_data(*spec, "data", options.base_dir, r);
  top.set("data", r);
  if (settings.validation_split > 0) settings.validate = false;
}

void read_callbacks_and_augment(Section& top, const BuildOptions& options,
                                std::vector<train::CallbackHandle>& callbacks, std::vector<data::Transform>& augment) {
  Json r;
  const Json* spec = top.raw("callbacks");
  auto built = build_callbacks(spec ? *spec : Json(), "callbacks", options.run_dir, r);
  callbacks.insert(callbacks.end(), built.begin(), built.end());
  top.set("callbacks", r);
  spec = top.raw("augment");
  augment = build_augment(spec ? *spec : Json(), "augment", r);
  top.set("augment", r);
}

}  // namespace detail

BuiltModel build_model_only(const Json& resolved_config, DType dtype) {
  if (!resolved_config.is_object() || !resolved_config.contains("model"))
    fail("model", "missing; expected {\"layers\": [...]}");
  Json r;
  const Json* seed = resolved_config.contains("seed") ? &resolved_config.at("seed") : nullptr;
  Generator gen(seed && seed->is_number_integer() ? std::uint64_t(seed->get<std::int64_t>()) : 0);
  return build_model(resolved_config.at("model"), "model", {}, dtype, gen, r);
}

Json default_config() {
  return Json::parse(R"({
    "name": "",
    "seed": 0,
    "epochs": 3,
    "batch_size": 64,
    "data": "fashion-mnist",
    "model": {"layers": [
      {"type": "Conv2d", "out": 32, "kernel": 3, "padding": 1},
      {"type": "ReLU"},
      {"type": "MaxPool2d", "kernel": 2},
      {"type": "Conv2d", "out": 64, "kernel": 3, "padding": 1},
      {"type": "BatchNorm2d"},
      {"type": "ReLU"},
      {"type": "MaxPool2d", "kernel": 2},
      {"type": "Flatten"},
      {"type": "Dense", "out": 128},
      {"type": "ReLU"},
      {"type": "Dropout", "p": 0.3},
      {"type": "Dense", "out": 10}
    ]},
    "loss": "cross_entropy",
    "optimizer": {"type": "adam", "lr": 0.001},
    "schedule": {"type": "onecycle", "max_lr": 0.005}
  })");
}

}  // namespace soma::config
