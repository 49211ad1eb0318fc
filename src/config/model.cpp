// The "model" section: a Sequential list of layers, each {"type": "Conv2d", options...}.
// Each layer is built, then run on a dummy batch of the shape it will receive (eval mode, no
// graph), so input sizes ("in", "num_features") are inferred and a shape mismatch is reported
// at the layer where it happens, with the shape that reached it.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "soma/autograd/grad_mode.h"
#include "soma/config/builders.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/flatten.h"
#include "soma/nn/pool.h"

namespace soma::config {

namespace {

using Shape1 = std::vector<std::int64_t>;  // one example's shape

struct LayerContext {
  Section& s;
  const Shape1& in;  // the shape reaching the layer, per example
  DType dtype;
};

using Builder = std::function<std::shared_ptr<nn::Module>(LayerContext&)>;

// An input size the layer can infer: absent means `actual`; given, it must equal it.
std::int64_t inferred(Section& s, const std::string& key, std::int64_t actual, const std::string& what) {
  const std::int64_t given = s.integer(key, actual, 1);
  if (given != actual)
    fail(s.path_of(key), "expected " + std::to_string(actual) + " (" + what + "), got " + std::to_string(given));
  return given;
}

void need_rank(LayerContext& c, std::size_t rank, const std::string& type, const std::string& form) {
  if (c.in.size() != rank)
    fail(c.s.path(), type + " expects examples of shape " + form + ", but its input has shape " + shape_text(c.in) +
                         (rank == 3 && c.in.size() == 1 ? " (give the data an \"input_shape\", e.g. [1, 28, 28])" : "") +
                         (rank == 1 && c.in.size() > 1 ? " (put a Flatten layer before it)" : ""));
}

std::optional<nn::Regularizer> regularizer(Section& s, const std::string& key) {
  const Json* v = s.raw(key);
  if (!v || v->is_null()) {
    s.set(key, nullptr);
    return std::nullopt;
  }
  Section r(*v, s.path_of(key), "a regularizer");
  nn::Regularizer reg{.l1 = r.number("l1", 0.0, {.lo = 0}), .l2 = r.number("l2", 0.0, {.lo = 0})};
  r.finish();
  s.set(key, r.resolved());
  return reg;
}

Padding padding(Section& s) {
  const Json* v = s.raw("padding");
  if (v && v->is_string()) {
    const std::string mode = v->get<std::string>();
    if (mode != "same" && mode != "valid")
      fail(s.path_of("padding"), "expected an integer >= 0, a list of two, \"same\" or \"valid\", got " + describe(*v));
    s.set("padding", mode);
    return mode == "same" ? Padding::same : Padding::valid;
  }
  return Padding(s.pair("padding", Pair(0), 0));
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"Dense",
       [](LayerContext& c) {
         need_rank(c, 1, "Dense", "[features]");
         nn::DenseOptions o;
         o.in = inferred(c.s, "in", c.in[0], "the features reaching this layer");
         o.out = c.s.integer("out", std::nullopt, 1);
         o.bias = c.s.boolean("bias", true);
         o.kernel_regularizer = regularizer(c.s, "kernel_regularizer");
         o.bias_regularizer = regularizer(c.s, "bias_regularizer");
         o.dtype = c.dtype;
         return std::make_shared<nn::Dense>(o);
       }},
      {"Conv2d",
       [](LayerContext& c) {
         need_rank(c, 3, "Conv2d", "[channels, height, width]");
         nn::Conv2dOptions o;
         o.in = inferred(c.s, "in", c.in[0], "the channels reaching this layer");
         o.out = c.s.integer("out", std::nullopt, 1);
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", Pair(1), 1);
         o.padding = padding(c.s);
         o.dilation = c.s.pair("dilation", Pair(1), 1);
         o.groups = c.s.integer("groups", 1, 1);
         o.bias = c.s.boolean("bias", true);
         o.dtype = c.dtype;
         return std::make_shared<nn::Conv2d>(o);
       }},
      {"MaxPool2d",
       [](LayerContext& c) {
         need_rank(c, 3, "MaxPool2d", "[channels, height, width]");
         nn::MaxPool2dOptions o;
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.kernel, 1);
         o.padding = c.s.pair("padding", Pair(0), 0);
         o.ceil_mode = c.s.boolean("ceil_mode", false);
         return std::make_shared<nn::MaxPool2d>(o);
       }},
      {"AvgPool2d",
       [](LayerContext& c) {
         need_rank(c, 3, "AvgPool2d", "[channels, height, width]");
         nn::AvgPool2dOptions o;
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.kernel, 1);
         o.padding = c.s.pair("padding", Pair(0), 0);
         o.ceil_mode = c.s.boolean("ceil_mode", false);
         o.count_include_pad = c.s.boolean("count_include_pad", true);
         return std::make_shared<nn::AvgPool2d>(o);
       }},
      {"GlobalAvgPool2d",
       [](LayerContext& c) {
         need_rank(c, 3, "GlobalAvgPool2d", "[channels, height, width]");
         return std::make_shared<nn::GlobalAvgPool2d>();
       }},
      {"BatchNorm1d",
       [](LayerContext& c) {
         if (c.in.size() != 1 && c.in.size() != 2) need_rank(c, 1, "BatchNorm1d", "[C] or [C, L]");
         nn::BatchNormOptions o;
         const std::int64_t features = inferred(c.s, "num_features", c.in[0], "the channels reaching this layer");
         o.eps = c.s.number("eps", 1e-5, {.lo = 0});
         o.momentum = c.s.number("momentum", 0.1, {.lo = 0, .hi = 1});
         o.affine = c.s.boolean("affine", true);
         o.track_running_stats = c.s.boolean("track_running_stats", true);
         o.dtype = c.dtype;
         return std::make_shared<nn::BatchNorm1d>(features, o);
       }},
      {"BatchNorm2d",
       [](LayerContext& c) {
         need_rank(c, 3, "BatchNorm2d", "[channels, height, width]");
         nn::BatchNormOptions o;
         const std::int64_t features = inferred(c.s, "num_features", c.in[0], "the channels reaching this layer");
         o.eps = c.s.number("eps", 1e-5, {.lo = 0});
         o.momentum = c.s.number("momentum", 0.1, {.lo = 0, .hi = 1});
         o.affine = c.s.boolean("affine", true);
         o.track_running_stats = c.s.boolean("track_running_stats", true);
         o.dtype = c.dtype;
         return std::make_shared<nn::BatchNorm2d>(features, o);
       }},
      {"Dropout",
       [](LayerContext& c) { return std::make_shared<nn::Dropout>(c.s.number("p", 0.5, {.lo = 0, .hi = 1})); }},
      {"Flatten",
       [](LayerContext& c) {
         const auto start = c.s.integer("start", 1, std::numeric_limits<std::int64_t>::min());
         const auto end = c.s.integer("end", -1, std::numeric_limits<std::int64_t>::min());
         return std::make_shared<nn::Flatten>(int(start), int(end));
       }},
      {"ReLU", [](LayerContext&) { return std::make_shared<nn::ReLU>(); }},
      {"Sigmoid", [](LayerContext&) { return std::make_shared<nn::Sigmoid>(); }},
      {"Tanh", [](LayerContext&) { return std::make_shared<nn::Tanh>(); }},
      {"LeakyReLU",
       [](LayerContext& c) { return std::make_shared<nn::LeakyReLU>(c.s.number("negative_slope", 0.01)); }},
      {"Threshold", [](LayerContext& c) { return std::make_shared<nn::Threshold>(c.s.number("at", 0.0)); }},
      {"Softmax",
       [](LayerContext& c) {
         return std::make_shared<nn::Softmax>(int(c.s.integer("axis", -1, std::numeric_limits<std::int64_t>::min())));
       }},
      {"LogSoftmax",
       [](LayerContext& c) {
         return std::make_shared<nn::LogSoftmax>(
             int(c.s.integer("axis", -1, std::numeric_limits<std::int64_t>::min())));
       }},
  };
  return table;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The canonical layer name for `type`, matched without regard to case ("dense", "Linear").
std::string canonical(const std::string& type, const std::string& path) {
  if (lower(type) == "linear") return "Dense";
  for (const auto& [name, builder] : builders())
    if (lower(name) == lower(type)) return name;
  std::string known;
  for (const auto& [name, builder] : builders()) known += (known.empty() ? "" : ", ") + name;
  fail(path, "unknown layer type \"" + type + "\"; expected one of " + known);
}

std::int64_t flops_of(const nn::Module& layer, const Shape1& in, const Shape1& out) {
  auto numel = [](const Shape1& s) {
    std::int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
  };
  if (auto* dense = dynamic_cast<const nn::Dense*>(&layer)) return 2 * dense->options().in * dense->options().out;
  if (auto* conv = dynamic_cast<const nn::Conv2d*>(&layer)) {
    const auto& o = conv->options();
    return 2 * numel(out) * (o.in / o.groups) * o.kernel.h * o.kernel.w;
  }
  return 0;
}

}  // namespace

BuiltModel build_model(const Json& spec, const std::string& path, std::vector<std::int64_t> input_shape, DType dtype,
                       Json& resolved) {
  const Json object = spec.is_array() ? Json{{"layers", spec}} : spec;
  Section s(object, path, "model");
  if (s.has("input_shape") || input_shape.empty()) {
    const auto given = s.integers("input_shape", std::nullopt, 1);
    if (!input_shape.empty() && given != input_shape)
      fail(s.path_of("input_shape"), "expected " + shape_text(input_shape) + " (the data's example shape), got " +
                                         shape_text(given));
    input_shape = given;
  }
  s.set("input_shape", input_shape);
  const Json* layers = s.raw("layers");
  if (!layers) fail(s.path_of("layers"), "missing; expected a list of layers like {\"type\": \"Dense\", \"out\": 10}");
  if (!layers->is_array() || layers->empty())
    fail(s.path_of("layers"), "expected a non-empty list of layers, got " + describe(*layers));

  BuiltModel built;
  built.model = std::make_shared<nn::Sequential>();
  built.input_shape = input_shape;
  Json resolved_layers = Json::array();
  Shape1 shape = input_shape;
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const std::string at = s.path_of("layers") + "[" + std::to_string(i) + "]";
    const Json& layer_spec = (*layers)[i];
    // "ReLU" is short for {"type": "ReLU"}.
    const Json object_spec = layer_spec.is_string() ? Json{{"type", layer_spec}} : layer_spec;
    if (!object_spec.is_object())
      fail(at, "expected a layer like {\"type\": \"Dense\", \"out\": 10}, got " + describe(layer_spec));
    if (!object_spec.contains("type")) fail(at + ".type", "missing; expected a layer type such as \"Dense\"");
    if (!object_spec["type"].is_string()) fail(at + ".type", "expected a layer type name, got " + describe(object_spec["type"]));
    const std::string type = canonical(object_spec["type"].get<std::string>(), at + ".type");
    Section ls(object_spec, at, type);
    ls.raw("type");
    ls.set("type", type);
    LayerContext context{ls, shape, dtype};
    std::shared_ptr<nn::Module> layer;
    try {
      layer = builders().at(type)(context);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      fail(at, e.what());
    }
    ls.finish();
    // Run it on two dummy examples: the output shape, and any mismatch the layer itself finds.
    Shape1 batch_shape{2};
    batch_shape.insert(batch_shape.end(), shape.begin(), shape.end());
    Shape1 out;
    try {
      NoGradGuard no_grad;
      layer->eval();
      const Tensor y = (*layer)(zeros(Shape(std::span<const std::int64_t>(batch_shape)), dtype));
      layer->train();
      out.assign(y.shape().begin() + 1, y.shape().end());
    } catch (const Error& e) {
      fail(at, std::string(e.what()) + " (the input reaching " + type + " has shape " + shape_text(shape) +
                   " per example)");
    }
    if (out.empty()) fail(at, type + " leaves nothing per example (output shape [])");
    built.layers.push_back({at, type, out, layer->parameter_count(), flops_of(*layer, shape, out)});
    built.model->push_back(layer);
    resolved_layers.push_back(ls.resolved());
    shape = out;
  }
  s.set("layers", resolved_layers);
  s.finish();
  built.output_shape = shape;
  resolved = s.resolved();
  return built;
}

}  // namespace soma::config
