// The "model" section: a Sequential list of layers, each {"type": "Conv2d", options...}, or a
// functional graph of named nodes with add/multiply/concatenate merges (nn::Graph). Each layer
// is built for the shape reaching it, so input sizes ("in", "num_features") are inferred, and
// asked its output_shape, so a mismatch is reported at the layer's JSON path with the shape
// that reached it, before any data flows.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "soma/classic/rbfn.h"
#include "soma/config/builders.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/pool.h"
#include "soma/nn/radial_basis.h"
#include "soma/nn/recurrent.h"
#include "soma/nn/sequential.h"
#include "soma/nn/time_distributed.h"
#include "soma/nn/upsample.h"
#include "zoo.h"

namespace soma::config {

namespace {

using Shape1 = std::vector<std::int64_t>;  // one example's shape

struct LayerContext {
  Section& s;
  const Shape1& in;  // the shape reaching the layer, per example
  DType dtype;
  Generator& gen;    // the construction generator: weight init and Dropout's seed
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
                         (type == "Dense" && c.in.size() > 2 ? " (put a Flatten layer before it)" : ""));
}

std::optional<nn::Regularizer> regularizer(Section& s, const std::string& key) {
  const Json* v = s.raw(key);
  if (!v || v->is_null()) {
    s.set(key, nullptr);
    return std::nullopt;
  }
  Section r(*v, s.path_of(key), "a regularizer");
  nn::Regularizer reg;
  reg.l1 = r.number("l1", reg.l1, {.lo = 0});
  reg.l2 = r.number("l2", reg.l2, {.lo = 0});
  r.finish();
  s.set(key, r.resolved());
  return reg;
}

// "padding": sizes, "same" or "valid"; absent, the options struct's `fallback`.
Padding padding(Section& s, const Padding& fallback) {
  const Json* v = s.raw("padding");
  if (!v && fallback.mode() != Padding::Mode::sizes) {
    s.set("padding", fallback == Padding::same ? "same" : "valid");
    return fallback;
  }
  if (v && v->is_string()) {
    const std::string mode = v->get<std::string>();
    if (mode != "same" && mode != "valid")
      fail(s.path_of("padding"), "expected an integer >= 0, a list of two, \"same\" or \"valid\", got " + describe(*v));
    s.set("padding", mode);
    return mode == "same" ? Padding::same : Padding::valid;
  }
  return Padding(s.pair("padding", fallback.sizes(), 0));
}

// TimeDistributed's inner layer, built for one step's shape (defined below builders()).
std::shared_ptr<nn::Module> build_inner(Section& outer, const std::string& key, const Shape1& step, DType dtype,
                                        Generator& gen);

// RNN, LSTM and GRU on examples [steps, features] (batch first).
template <class Layer>
std::shared_ptr<nn::Module> recurrent(LayerContext& c, const std::string& type) {
  need_rank(c, 2, type, "[steps, features]");
  nn::RecurrentOptions o;
  o.input_size = inferred(c.s, "input_size", c.in[1], "the features per step reaching this layer");
  o.hidden_size = c.s.integer("hidden_size", std::nullopt, 1);
  o.num_layers = c.s.integer("num_layers", o.num_layers, 1);
  o.bias = c.s.boolean("bias", o.bias);
  if (type == "RNN")
    o.nonlinearity = c.s.text("nonlinearity", o.nonlinearity == nn::Nonlinearity::relu ? "relu" : "tanh",
                              {"tanh", "relu"}) == "relu"
                         ? nn::Nonlinearity::relu
                         : nn::Nonlinearity::tanh;
  // Keras' return_sequences: every step [steps, hidden] (default, as PyTorch) or the last [hidden].
  o.return_sequences = c.s.boolean("return_sequences", o.return_sequences);
  o.dtype = c.dtype;
  return std::make_shared<Layer>(o, c.gen);
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"Dense",
       [](LayerContext& c) {
         // [features], or [steps, features]: Dense acts on the last axis (a per-step Dense).
         if (c.in.size() != 2) need_rank(c, 1, "Dense", "[features] or [steps, features]");
         nn::DenseOptions o;
         o.in = inferred(c.s, "in", c.in.back(), "the features reaching this layer");
         o.out = c.s.integer("out", std::nullopt, 1);
         o.bias = c.s.boolean("bias", o.bias);
         o.kernel_regularizer = regularizer(c.s, "kernel_regularizer");
         o.bias_regularizer = regularizer(c.s, "bias_regularizer");
         o.activation = c.s.text("activation", o.activation, nn::activation_names());
         o.dtype = c.dtype;
         return std::make_shared<nn::Dense>(o, c.gen);
       }},
      {"RadialBasis",
       [](LayerContext& c) {
         need_rank(c, 1, "RadialBasis", "[features]");
         nn::RadialBasisOptions o;
         o.in = inferred(c.s, "in", c.in.back(), "the features reaching this layer");
         o.centres = c.s.integer("centres", std::nullopt, 1);
         o.width = c.s.number("width", o.width, {.lo = 0, .lo_open = true});
         o.dtype = c.dtype;
         // "init": "kmeans" is done by build_experiment, which has the data (experiment.cpp).
         const classic::RbfInitOptions init;
         c.s.text("init", "uniform", {"uniform", "kmeans"});
         c.s.integer("kmeans_rows", 10000, 0);
         c.s.integer("kmeans_iterations", init.kmeans_iterations, 0);
         c.s.number("width_scale", init.width_scale, {.lo = 0, .lo_open = true});
         return std::make_shared<nn::RadialBasis>(o, c.gen);
       }},
      {"Conv2d",
       [](LayerContext& c) {
         need_rank(c, 3, "Conv2d", "[channels, height, width]");
         nn::Conv2dOptions o;
         o.in = inferred(c.s, "in", c.in[0], "the channels reaching this layer");
         o.out = c.s.integer("out", std::nullopt, 1);
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.stride, 1);
         o.padding = padding(c.s, o.padding);
         o.dilation = c.s.pair("dilation", o.dilation, 1);
         o.groups = c.s.integer("groups", o.groups, 1);
         o.bias = c.s.boolean("bias", o.bias);
         o.activation = c.s.text("activation", o.activation, nn::activation_names());
         o.dtype = c.dtype;
         return std::make_shared<nn::Conv2d>(o, c.gen);
       }},
      {"ConvTranspose2d",
       [](LayerContext& c) {
         need_rank(c, 3, "ConvTranspose2d", "[channels, height, width]");
         nn::ConvTranspose2dOptions o;
         o.in = inferred(c.s, "in", c.in[0], "the channels reaching this layer");
         o.out = c.s.integer("out", std::nullopt, 1);
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.stride, 1);
         o.padding = c.s.pair("padding", o.padding, 0);
         o.output_padding = c.s.pair("output_padding", o.output_padding, 0);
         o.groups = c.s.integer("groups", o.groups, 1);
         o.bias = c.s.boolean("bias", o.bias);
         o.dilation = c.s.pair("dilation", o.dilation, 1);
         o.dtype = c.dtype;
         return std::make_shared<nn::ConvTranspose2d>(o, c.gen);
       }},
      {"Upsample",
       [](LayerContext& c) {
         need_rank(c, 3, "Upsample", "[channels, height, width]");
         nn::UpsampleOptions o;
         if (c.s.has("size") && c.s.has("scale_factor"))
           fail(c.s.path_of("scale_factor"), "give either \"size\" or \"scale_factor\", not both");
         if (c.s.has("size")) {
           o.size = c.s.pair("size", std::nullopt, 1);
         } else {
           // scale_factor: one number or [h, w]; required when size is absent.
           const Json* f = c.s.raw("scale_factor");
           const std::string expected = "a number > 0 or a list of two (or give \"size\")";
           if (!f) fail(c.s.path_of("scale_factor"), "missing; expected " + expected);
           if (f->is_number() && f->get<double>() > 0) {
             o.scale_factor = Scale(f->get<double>());
           } else if (f->is_array() && f->size() == 2 && (*f)[0].is_number() && (*f)[1].is_number() &&
                      (*f)[0].get<double>() > 0 && (*f)[1].get<double>() > 0) {
             o.scale_factor = Scale((*f)[0].get<double>(), (*f)[1].get<double>());
           } else {
             fail(c.s.path_of("scale_factor"), "expected " + expected + ", got " + describe(*f));
           }
           c.s.set("scale_factor", *f);
         }
         const bool bilinear = o.mode == UpsampleMode::bilinear;
         o.mode = c.s.text("mode", bilinear ? "bilinear" : "nearest", {"nearest", "bilinear"}) == "bilinear"
                      ? UpsampleMode::bilinear
                      : UpsampleMode::nearest;
         o.align_corners = c.s.boolean("align_corners", o.align_corners);
         return std::make_shared<nn::Upsample>(o);
       }},
      {"RNN", [](LayerContext& c) { return recurrent<nn::RNN>(c, "RNN"); }},
      {"LSTM", [](LayerContext& c) { return recurrent<nn::LSTM>(c, "LSTM"); }},
      {"GRU", [](LayerContext& c) { return recurrent<nn::GRU>(c, "GRU"); }},
      {"Embedding",
       [](LayerContext& c) {
         need_rank(c, 1, "Embedding", "[steps] (int64 ids)");
         nn::EmbeddingOptions o;
         o.num_embeddings = c.s.integer("num_embeddings", std::nullopt, 1);
         o.embedding_dim = c.s.integer("embedding_dim", std::nullopt, 1);
         if (const Json* p = c.s.raw("padding_idx"); p && !p->is_null())
           o.padding_idx = c.s.integer("padding_idx", std::nullopt, std::numeric_limits<std::int64_t>::min());
         else
           c.s.set("padding_idx", nullptr);
         o.dtype = c.dtype;
         return std::make_shared<nn::Embedding>(o, c.gen);
       }},
      {"TimeDistributed",
       [](LayerContext& c) -> std::shared_ptr<nn::Module> {
         if (c.in.size() < 2)
           fail(c.s.path(), "TimeDistributed expects examples of shape [steps, ...], but its input has shape " +
                                shape_text(c.in));
         return std::make_shared<nn::TimeDistributed>(
             build_inner(c.s, "layer", Shape1(c.in.begin() + 1, c.in.end()), c.dtype, c.gen));
       }},
      {"MaxPool2d",
       [](LayerContext& c) {
         need_rank(c, 3, "MaxPool2d", "[channels, height, width]");
         nn::MaxPool2dOptions o;
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.kernel, 1);
         o.padding = c.s.pair("padding", o.padding, 0);
         o.ceil_mode = c.s.boolean("ceil_mode", o.ceil_mode);
         return std::make_shared<nn::MaxPool2d>(o);
       }},
      {"AvgPool2d",
       [](LayerContext& c) {
         need_rank(c, 3, "AvgPool2d", "[channels, height, width]");
         nn::AvgPool2dOptions o;
         o.kernel = c.s.pair("kernel", std::nullopt, 1);
         o.stride = c.s.pair("stride", o.kernel, 1);
         o.padding = c.s.pair("padding", o.padding, 0);
         o.ceil_mode = c.s.boolean("ceil_mode", o.ceil_mode);
         o.count_include_pad = c.s.boolean("count_include_pad", o.count_include_pad);
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
         o.eps = c.s.number("eps", o.eps, {.lo = 0});
         o.momentum = c.s.number("momentum", o.momentum, {.lo = 0, .hi = 1});
         o.affine = c.s.boolean("affine", o.affine);
         o.track_running_stats = c.s.boolean("track_running_stats", o.track_running_stats);
         o.dtype = c.dtype;
         return std::make_shared<nn::BatchNorm1d>(features, o);
       }},
      {"BatchNorm2d",
       [](LayerContext& c) {
         need_rank(c, 3, "BatchNorm2d", "[channels, height, width]");
         nn::BatchNormOptions o;
         const std::int64_t features = inferred(c.s, "num_features", c.in[0], "the channels reaching this layer");
         o.eps = c.s.number("eps", o.eps, {.lo = 0});
         o.momentum = c.s.number("momentum", o.momentum, {.lo = 0, .hi = 1});
         o.affine = c.s.boolean("affine", o.affine);
         o.track_running_stats = c.s.boolean("track_running_stats", o.track_running_stats);
         o.dtype = c.dtype;
         return std::make_shared<nn::BatchNorm2d>(features, o);
       }},
      {"Dropout",
       [](LayerContext& c) {
         // The mask generator's seed is one draw of the construction generator (nn/dropout.h).
         return std::make_shared<nn::Dropout>(c.s.number("p", nn::DropoutOptions{}.p, {.lo = 0, .hi = 1}), c.gen);
       }},
      {"Flatten",
       [](LayerContext& c) {
         const auto start = c.s.integer("start", nn::Flatten::kDefaultStart, std::numeric_limits<std::int64_t>::min());
         const auto end = c.s.integer("end", nn::Flatten::kDefaultEnd, std::numeric_limits<std::int64_t>::min());
         return std::make_shared<nn::Flatten>(int(start), int(end));
       }},
      {"ReLU", [](LayerContext&) { return std::make_shared<nn::ReLU>(); }},
      {"Sigmoid", [](LayerContext&) { return std::make_shared<nn::Sigmoid>(); }},
      {"Tanh", [](LayerContext&) { return std::make_shared<nn::Tanh>(); }},
      {"LeakyReLU",
       [](LayerContext& c) { return std::make_shared<nn::LeakyReLU>(c.s.number("negative_slope", nn::LeakyReLU::kDefaultNegativeSlope)); }},
      {"Threshold", [](LayerContext& c) { return std::make_shared<nn::Threshold>(c.s.number("at", nn::Threshold::kDefaultAt)); }},
      {"Softmax",
       [](LayerContext& c) {
         return std::make_shared<nn::Softmax>(
             int(c.s.integer("axis", nn::Softmax::kDefaultAxis, std::numeric_limits<std::int64_t>::min())));
       }},
      {"LogSoftmax",
       [](LayerContext& c) {
         return std::make_shared<nn::LogSoftmax>(
             int(c.s.integer("axis", nn::LogSoftmax::kDefaultAxis, std::numeric_limits<std::int64_t>::min())));
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

Shape batch_of_one(const Shape1& sample) {
  Shape1 full{1};
  full.insert(full.end(), sample.begin(), sample.end());
  return Shape(std::span<const std::int64_t>(full));
}

Shape1 sample_of(const Shape& full) { return Shape1(full.begin() + 1, full.end()); }

// {"type": ..., options} (or "ReLU") as a layer for inputs of `shape`; `extra` are keys the
// caller reads itself (a graph node's "name" and "input"), which the section must not reject.
struct BuiltLayer {
  std::shared_ptr<nn::Module> layer;
  std::string type;
  Json resolved;
};

Json layer_object(const Json& spec, const std::string& at) {
  const Json object = spec.is_string() ? Json{{"type", spec}} : spec;  // "ReLU" = {"type": "ReLU"}
  if (!object.is_object())
    fail(at, "expected a layer like {\"type\": \"Dense\", \"out\": 10}, got " + describe(spec));
  if (!object.contains("type")) fail(at + ".type", "missing; expected a layer type such as \"Dense\"");
  if (!object["type"].is_string()) fail(at + ".type", "expected a layer type name, got " + describe(object["type"]));
  return object;
}

BuiltLayer build_layer(Section& ls, const std::string& type, const Shape1& shape, DType dtype, Generator& gen) {
  ls.raw("type");
  ls.set("type", type);
  LayerContext context{ls, shape, dtype, gen};
  BuiltLayer out{nullptr, type, {}};
  try {
    out.layer = builders().at(type)(context);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    fail(ls.path(), e.what());
  }
  return out;
}

std::shared_ptr<nn::Module> build_inner(Section& outer, const std::string& key, const Shape1& step, DType dtype,
                                        Generator& gen) {
  const std::string at = outer.path_of(key);
  const Json* spec = outer.raw(key);
  if (!spec) fail(at, "missing; expected the layer applied at every step, like {\"type\": \"Conv2d\", ...}");
  const Json object = layer_object(*spec, at);
  const std::string type = canonical(object["type"].get<std::string>(), at + ".type");
  Section ls(object, at, type);
  BuiltLayer b = build_layer(ls, type, step, dtype, gen);
  ls.finish();
  outer.set(key, ls.resolved());
  return b.layer;
}

// The Sequential form: {"input_shape": [...], "layers": [...]}.
BuiltModel build_sequential(Section& s, const Json& layers, const Shape1& input_shape, DType dtype, Generator& gen) {
  if (!layers.is_array() || layers.empty())
    fail(s.path_of("layers"), "expected a non-empty list of layers, got " + describe(layers));
  auto model = std::make_shared<nn::Sequential>();
  BuiltModel built;
  built.input_shape = input_shape;
  Json resolved_layers = Json::array();
  Shape1 shape = input_shape;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string at = s.path_of("layers") + "[" + std::to_string(i) + "]";
    const Json object = layer_object(layers[i], at);
    const std::string type = canonical(object["type"].get<std::string>(), at + ".type");
    Section ls(object, at, type);
    BuiltLayer b = build_layer(ls, type, shape, dtype, gen);
    if (const Json* name = ls.raw("name"); name && !name->is_null()) {
      const std::string n = ls.text("name", std::nullopt);
      try {
        b.layer->set_name(n);
      } catch (const Error& e) {
        fail(ls.path_of("name"), e.what());
      }
    }
    ls.finish();
    // The layer's own shape check, before any data flows.
    Shape out;
    try {
      out = b.layer->output_shape(batch_of_one(shape));
    } catch (const Error& e) {
      fail(at, std::string(e.what()) + " (the input reaching " + type + " has shape " + shape_text(shape) +
                   " per example)");
    }
    const Shape1 sample = sample_of(out);
    if (sample.empty()) fail(at, type + " leaves nothing per example (output shape " + out.str() + ")");
    built.layers.push_back({at, type, sample, b.layer->parameter_count(), b.layer->flops(batch_of_one(shape))});
    model->push_back(b.layer);
    resolved_layers.push_back(ls.resolved());
    shape = sample;
  }
  s.set("layers", resolved_layers);
  built.output_shape = shape;
  built.model = model;
  return built;
}

Shape1 sample_shape(const nn::Graph& graph, nn::Node x) {
  const Shape shape = graph.sample_shape(x);
  return Shape1(shape.begin(), shape.end());
}

std::string lower_type(const Json& object) { return lower(object["type"].get<std::string>()); }

// The functional form: {"inputs": {"image": [1, 28, 28]}, "nodes": [...], "outputs": [...]}.
// A node is a layer {"name", "type", options, "input": node (default: the node before)} or a
// merge {"name", "type": "add" | "multiply" | "concatenate", "inputs": [nodes], "axis"}.
BuiltModel build_graph(Section& s, const Json& nodes, const Shape1& data_shape, DType dtype, Generator& gen) {
  auto graph = std::make_shared<nn::Graph>();
  BuiltModel built;
  std::map<std::string, nn::Node> by_name;
  std::vector<std::string> order;  // node names in the order made
  auto add_node = [&](const std::string& name, nn::Node node) {
    by_name[name] = node;
    order.push_back(name);
  };
  // Inputs: {"name": shape, ...}; by default one input "input" of the data's shape.
  Json resolved_inputs = Json::object();
  const Json* inputs = s.raw("inputs");
  if (!inputs || inputs->is_null()) {
    if (data_shape.empty()) fail(s.path_of("inputs"), "missing; expected {\"name\": [shape], ...}");
    resolved_inputs["input"] = data_shape;
  } else {
    if (!inputs->is_object() || inputs->empty())
      fail(s.path_of("inputs"), "expected {\"name\": [shape], ...}, got " + describe(*inputs));
    Section in(*inputs, s.path_of("inputs"), "inputs");
    for (const auto& [name, value] : inputs->items()) resolved_inputs[name] = in.integers(name, std::nullopt, 1);
  }
  for (const auto& [name, shape] : resolved_inputs.items()) {
    try {
      add_node(name, graph->input(name, Shape(std::span<const std::int64_t>(shape.get<Shape1>()))));
    } catch (const Error& e) {
      fail(s.path_of("inputs") + "." + name, e.what());
    }
  }
  if (resolved_inputs.size() == 1) {
    const Shape1 declared = resolved_inputs.begin().value().get<Shape1>();
    if (!data_shape.empty() && declared != data_shape)
      fail(s.path_of("inputs") + "." + resolved_inputs.begin().key(),
           "expected " + shape_text(data_shape) + " (the data's example shape), got " + shape_text(declared));
    built.input_shape = declared;
  }
  s.set("inputs", resolved_inputs);

  if (!nodes.is_array() || nodes.empty())
    fail(s.path_of("nodes"), "expected a non-empty list of nodes, got " + describe(nodes));
  Json resolved_nodes = Json::array();
  auto lookup = [&](const Json& v, const std::string& at) {
    if (!v.is_string()) fail(at, "expected a node name, got " + describe(v));
    const auto it = by_name.find(v.get<std::string>());
    if (it == by_name.end()) {
      std::string known;
      for (const auto& n : order) known += (known.empty() ? "" : ", ") + n;
      fail(at, "no node named " + describe(v) + " before this one; the nodes so far are " + known);
    }
    return it->second;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string at = s.path_of("nodes") + "[" + std::to_string(i) + "]";
    const Json object = layer_object(nodes[i], at);
    const std::string kind = lower_type(object);
    const bool merge = kind == "add" || kind == "multiply" || kind == "concatenate" || kind == "concat";
    const std::string type = merge ? (kind == "concat" ? "concatenate" : kind)
                                   : canonical(object["type"].get<std::string>(), at + ".type");
    Section ns(object, at, merge ? type : type + " node");
    const std::string name = ns.text("name", std::nullopt);
    nn::Node node;
    try {
      if (merge) {
        ns.raw("type");
        ns.set("type", type);
        const Json* in = ns.raw("inputs");
        if (!in || !in->is_array() || in->size() < 2)
          fail(ns.path_of("inputs"), "expected a list of two or more node names, got " + (in ? describe(*in) : "nothing"));
        std::vector<nn::Node> xs;
        for (std::size_t k = 0; k < in->size(); ++k)
          xs.push_back(lookup((*in)[k], ns.path_of("inputs") + "[" + std::to_string(k) + "]"));
        ns.set("inputs", *in);
        if (type == "add") node = graph->add(name, xs);
        else if (type == "multiply") node = graph->multiply(name, xs);
        else node = graph->concatenate(
            name, xs,
            int(ns.integer("axis", nn::Graph::kDefaultConcatAxis, std::numeric_limits<std::int64_t>::min())));
      } else {
        nn::Node x;
        if (const Json* in = ns.raw("input"); in && !in->is_null()) {
          x = lookup(*in, ns.path_of("input"));
          ns.set("input", *in);
        } else {
          if (order.empty()) fail(ns.path_of("input"), "missing; expected the name of an input");
          x = by_name.at(order.back());
          ns.set("input", order.back());
        }
        const Shape1 shape = sample_shape(*graph, x);
        BuiltLayer b = build_layer(ns, type, shape, dtype, gen);
        ns.finish();
        node = graph->layer(name, b.layer, x);
        built.layers.push_back({at, type, {}, b.layer->parameter_count(), b.layer->flops(batch_of_one(shape))});
      }
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      fail(at, e.what());
    }
    ns.finish();
    if (merge) built.layers.push_back({at, type, {}, 0, 0});
    built.layers.back().output_shape = sample_shape(*graph, node);
    add_node(name, node);
    resolved_nodes.push_back(ns.resolved());
  }
  s.set("nodes", resolved_nodes);

  // Outputs: node names; by default the last node.
  std::vector<std::string> outputs;
  if (const Json* out = s.raw("outputs"); out && !out->is_null()) {
    if (!out->is_array() || out->empty()) fail(s.path_of("outputs"), "expected a list of node names, got " + describe(*out));
    for (std::size_t k = 0; k < out->size(); ++k) {
      lookup((*out)[k], s.path_of("outputs") + "[" + std::to_string(k) + "]");
      outputs.push_back((*out)[k].get<std::string>());
    }
  } else {
    outputs.push_back(order.back());
  }
  for (const auto& name : outputs) graph->output(by_name.at(name));
  s.set("outputs", outputs);
  built.output_shape = sample_shape(*graph, by_name.at(outputs[0]));
  built.model = graph;
  return built;
}

}  // namespace

BuiltModel build_model(const Json& spec, const std::string& path, std::vector<std::int64_t> input_shape, DType dtype,
                       Generator& gen, Json& resolved) {
  const Json object = spec.is_array() ? Json{{"layers", spec}} : spec;
  Section s(object, path, "model");
  BuiltModel built;
  if (s.has("zoo")) {
    built = detail::build_zoo(s, input_shape, dtype, gen);  // {"zoo": "lenet5", ...}: models/
  } else if (s.has("nodes")) {
    built = build_graph(s, *s.raw("nodes"), input_shape, dtype, gen);
  } else {
    if (s.has("input_shape") || input_shape.empty()) {
      const auto given = s.integers("input_shape", std::nullopt, 1);
      if (!input_shape.empty() && given != input_shape)
        fail(s.path_of("input_shape"), "expected " + shape_text(input_shape) + " (the data's example shape), got " +
                                           shape_text(given));
      input_shape = given;
    }
    s.set("input_shape", input_shape);
    const Json* layers = s.raw("layers");
    if (!layers)
      fail(s.path_of("layers"), "missing; expected a list of layers like {\"type\": \"Dense\", \"out\": 10} (or "
                                "\"nodes\" for a functional graph)");
    built = build_sequential(s, *layers, input_shape, dtype, gen);
  }
  s.finish();
  resolved = s.resolved();
  return built;
}

}  // namespace soma::config
