// The "learner" section: a GAN's two models and optimizers, a VAE, an RBM, each checked against
// the data before training and turned into a train::Learner; and the whole config around them.
// Every default is read from the options struct it belongs to (GanOptions{}, VaeOptions{}, ...).
#include "soma/config/learner.h"

#include <algorithm>

#include "config/experiment_parts.h"
#include "soma/classic/som_learner.h"
#include "soma/config/dqn.h"
#include "soma/config/yolo.h"
#include "soma/core/generator.h"
#include "soma/generative/gan.h"
#include "soma/generative/rbm_learner.h"
#include "soma/generative/vae.h"
#include "soma/ops/view.h"

namespace soma::config {
namespace {

const std::vector<std::string> kTypes = {"supervised", "autoencoder", "gan", "vae", "rbm", "dqn", "yolo", "som"};

std::int64_t product(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Shape shape_of(const std::vector<std::int64_t>& v) { return Shape(std::span<const std::int64_t>(v)); }
std::vector<std::int64_t> dims_of(const Shape& s) { return std::vector<std::int64_t>(s.begin(), s.end()); }

// "image_shape" of a grid: given, or the data's example shape when it is an image [C, H, W].
Shape image_shape(Section& s, const DataSets& data) {
  const std::vector<std::int64_t> fallback = data.input_shape.size() == 3 ? data.input_shape : std::vector<std::int64_t>{};
  const auto shape = s.integers("image_shape", fallback, 1);
  if (!shape.empty() && product(shape) != product(data.input_shape))
    fail(s.path_of("image_shape"), "expected " + std::to_string(product(data.input_shape)) +
                                       " values (one example of the data, " + shape_text(data.input_shape) +
                                       "), got " + shape_text(shape));
  return shape_of(shape);
}

// A model section read from `s[key]`, for examples of `input_shape`.
BuiltModel model_at(Section& s, const std::string& key, const std::vector<std::int64_t>& input_shape, DType dtype,
                    Generator& gen) {
  const Json* spec = s.raw(key);
  if (!spec) fail(s.path_of(key), "missing; expected a model like {\"layers\": [...]}");
  Json r;
  BuiltModel m = build_model(*spec, s.path_of(key), input_shape, dtype, gen, r);
  s.set(key, r);
  return m;
}

std::unique_ptr<optim::Optimizer> optimizer_at(Section& s, const std::string& key, const nn::Module& model) {
  const Json* spec = s.raw(key);
  Json r;
  auto opt = build_optimizer(spec ? *spec : Json("adam"), s.path_of(key), model.parameters(), r);
  s.set(key, r);
  return opt;
}

void build_gan(Section& s, const DataSets& data, std::uint64_t seed, DType dtype, Generator& gen, BuiltLearner& out) {
  const generative::GanOptions defaults;
  generative::GanOptions o;
  o.noise_shape = shape_of(s.integers("noise_shape", dims_of(defaults.noise_shape), 1));
  o.d_steps = int(s.integer("d_steps", defaults.d_steps, 1));
  const std::string loss = s.text("generator_loss", defaults.generator_loss == generative::GanLoss::minimax ? "minimax" : "non_saturating",
                                  {"non_saturating", "minimax"});
  o.generator_loss = loss == "minimax" ? generative::GanLoss::minimax : generative::GanLoss::non_saturating;
  const std::string noise = s.text("noise", defaults.noise == generative::GanNoise::uniform ? "uniform" : "normal",
                                   {"normal", "uniform"});
  o.noise = noise == "uniform" ? generative::GanNoise::uniform : generative::GanNoise::normal;
  o.samples = s.integer("samples", defaults.samples, 1);
  o.image_shape = image_shape(s, data);
  o.seed = seed;
  const bool dcgan_weights = s.text("init", "default", {"default", "dcgan"}) == "dcgan";

  BuiltModel g = model_at(s, "generator", dims_of(o.noise_shape), dtype, gen);
  if (g.output_shape != data.input_shape)
    fail(s.path_of("generator"), "its output " + shape_text(g.output_shape) + " per example must be the data's " +
                                     shape_text(data.input_shape) + " (set data.input_shape to reshape the data)");
  BuiltModel d = model_at(s, "discriminator", data.input_shape, dtype, gen);
  if (product(d.output_shape) != 1)
    fail(s.path_of("discriminator"), "expected one probability per example (output [1]), got " + shape_text(d.output_shape));
  if (dcgan_weights) {
    generative::dcgan_init(*g.model, gen);
    generative::dcgan_init(*d.model, gen);
  }
  out.optimizers.push_back(optimizer_at(s, "generator_optimizer", *g.model));
  out.optimizers.push_back(optimizer_at(s, "discriminator_optimizer", *d.model));
  out.learner = std::make_unique<generative::GanLearner>(*g.model, *d.model, *out.optimizers[0], *out.optimizers[1], o);
  out.models = {std::move(g), std::move(d)};
}

void build_vae(Section& s, const DataSets& data, std::uint64_t seed, DType dtype, Generator& gen, BuiltLearner& out) {
  const generative::VaeOptions defaults;
  const generative::VaeLearnerOptions learner_defaults;
  generative::VaeOptions o{.input = product(data.input_shape), .dtype = dtype};
  o.hidden = s.integer("hidden", defaults.hidden, 1);
  o.latent = s.integer("latent", defaults.latent, 1);
  generative::VaeLearnerOptions lo{.seed = seed};
  lo.samples = s.integer("samples", learner_defaults.samples, 1);
  lo.image_shape = image_shape(s, data);
  auto vae = std::make_shared<generative::Vae>(o, gen);
  out.optimizers.push_back(optimizer_at(s, "optimizer", *vae));
  out.learner = std::make_unique<generative::VaeLearner>(*vae, *out.optimizers[0], lo);
  out.models.push_back({vae, data.input_shape, data.input_shape, {}});
}

void build_rbm(Section& s, const DataSets& data, std::uint64_t seed, DType dtype, Generator& gen, BuiltLearner& out) {
  const generative::RbmOptions defaults;
  const generative::RbmLearnerOptions learner_defaults;
  generative::RbmOptions o{.visible = product(data.input_shape), .dtype = dtype};
  o.hidden = s.integer("hidden", std::nullopt, 1);
  o.lr = s.number("lr", defaults.lr, {.lo = 0, .lo_open = true});
  o.momentum = s.number("momentum", defaults.momentum, {.lo = 0, .hi = 1, .hi_open = true});
  o.weight_decay = s.number("weight_decay", defaults.weight_decay, {.lo = 0});
  o.k = int(s.integer("k", defaults.k, 1));
  o.persistent = s.boolean("persistent", defaults.persistent);
  generative::RbmLearnerOptions lo{.seed = seed};
  lo.filters = s.integer("filters", learner_defaults.filters, 0);
  lo.image_shape = image_shape(s, data);
  auto rbm = std::make_shared<generative::Rbm>(o, gen);
  out.learner = std::make_unique<generative::RbmLearner>(*rbm, lo);
  out.models.push_back({rbm, data.input_shape, {o.hidden}, {}});
}

// A self-organizing map; its prototypes start at random training examples. The decay's length
// (total_steps) is set by build_learner_experiment, which knows the epochs and batches.
void build_som(Section& s, const DataSets& data, Generator& gen, BuiltLearner& out) {
  const classic::SomOptions defaults;
  classic::SomOptions o{.features = product(data.input_shape)};
  o.rows = s.integer("rows", defaults.rows, 1);
  o.cols = s.integer("cols", defaults.cols, 1);
  o.topology = classic::som_topology_from_name(s.text("topology", "rectangular", {"rectangular", "hexagonal"}));
  o.sigma_start = s.number("sigma_start", double(std::max(o.rows, o.cols)) / 2, {.lo = 0, .lo_open = true});
  o.sigma_end = s.number("sigma_end", defaults.sigma_end, {.lo = 0, .lo_open = true});
  o.lr_start = s.number("lr_start", defaults.lr_start, {.lo = 0, .hi = 1, .lo_open = true});
  o.lr_end = s.number("lr_end", defaults.lr_end, {.lo = 0, .hi = 1, .lo_open = true});
  classic::SomLearnerOptions lo;
  lo.batch = s.text("mode", "online", {"online", "batch"}) == "batch";
  lo.image_shape = image_shape(s, data);
  auto som = std::make_shared<classic::Som>(o, gen);
  som->init_from_samples(reshape(data.train->x(), {data.train->size(), o.features}), gen);
  out.learner = std::make_unique<classic::SomLearner>(*som, lo);
  out.models.push_back({som, {o.features}, {o.rows * o.cols}, {}});  // the learner flattens each example
}

}  // namespace

std::string learner_type(const Json& config) {
  if (!config.is_object() || !config.contains("learner")) return "supervised";
  const Json& spec = config["learner"];
  const Json type = spec.is_object() ? spec.value("type", Json()) : spec;
  std::string list;
  for (const auto& t : kTypes) list += (list.empty() ? "\"" : ", \"") + t + "\"";
  const std::string at = spec.is_object() ? "learner.type" : "learner";
  if (!type.is_string() || std::find(kTypes.begin(), kTypes.end(), type.get<std::string>()) == kTypes.end())
    fail(at, "expected one of " + list + (spec.is_object() ? "" : " or an object with a \"type\"") + ", got " +
                 (spec.is_object() && type.is_null() ? std::string("nothing") : describe(type)));
  return type.get<std::string>();
}

BuiltLearner build_learner(const Json& spec, const std::string& path, const DataSets& data, std::uint64_t seed,
                           DType dtype, Generator& gen, Json& resolved) {
  const Json object = spec.is_string() ? Json{{"type", spec}} : spec;
  Section s(object, path, "learner");
  BuiltLearner out;
  out.type = s.text("type", std::nullopt, {"gan", "vae", "rbm", "som"});
  if (data.input_shape.empty()) fail(path, "the data's examples have no shape");
  if (out.type == "gan") build_gan(s, data, seed, dtype, gen, out);
  else if (out.type == "vae") build_vae(s, data, seed, dtype, gen, out);
  else if (out.type == "som") build_som(s, data, gen, out);
  else build_rbm(s, data, seed, dtype, gen, out);
  s.finish();
  resolved = s.resolved();
  return out;
}

LearnerExperiment build_learner_experiment(const Json& config, const BuildOptions& options) {
  if (learner_type(config) == "dqn") return build_dqn_experiment(config, options);
  if (learner_type(config) == "yolo") return build_yolo_experiment(config, options);
  Section top(config, "", "the config");
  LearnerExperiment e;
  detail::read_settings_and_data(top, options, e.settings, e.data);
  Json r;

  const Json* learner = top.raw("learner");
  if (!learner) fail("learner", "missing; expected {\"type\": \"gan\"}, \"vae\" or \"rbm\" with its options");
  // The weights from a generator of the run's own, as build_experiment's model.
  Generator gen(e.settings.seed);
  e.learner = build_learner(*learner, "learner", e.data, e.settings.seed + 1, options.dtype, gen, r);
  top.set("learner", r);
  if (auto* som = dynamic_cast<classic::SomLearner*>(e.learner.learner.get())) {  // σ and α decay over the whole run
    const std::int64_t n = e.data.train->size(), batch = e.settings.batch_size;
    som->set_total_steps(std::max<std::int64_t>(1, e.settings.epochs * ((n + batch - 1) / batch)));
  }
  for (const char* key : {"model", "loss", "optimizer", "schedule"})
    if (top.has(key))
      fail(key, "belongs to a supervised config; a " + e.learner.type + " learner's models and optimizers go in \"learner\"");
  detail::read_callbacks_and_augment(top, options, e.callbacks, e.augment);
  top.finish();
  e.resolved = top.resolved();
  return e;
}

}  // namespace soma::config
