// The zoo form of the "model" section: one key names the architecture, the others are the
// fields of its options struct in models/ (defaults from there), so a config reads
// {"zoo": "vgg", "depth": 11, "width": 16, "pool": 1, "ceil_mode": true}.
#include "zoo.h"

#include <functional>
#include <map>

#include "soma/models/alexnet.h"
#include "soma/models/ciresan.h"
#include "soma/models/googlenet.h"
#include "soma/models/lenet.h"
#include "soma/models/nin.h"
#include "soma/models/overfeat.h"
#include "soma/models/resnet.h"
#include "soma/models/vgg.h"

namespace soma::config::detail {

namespace {

struct ZooContext {
  Section& s;
  std::int64_t channels, size;  // of the data's examples [C, H, W] (size: H)
  DType dtype;
  Generator& gen;
};

using ZooBuilder = std::function<nn::Sequential(ZooContext&)>;

// The keys every network shares: "classes", and "dropout" where the network has one.
template <class Options>
void read_shared(Section& s, Options& o) {
  o.classes = s.integer("classes", o.classes, 1);
  if constexpr (requires { o.dropout; }) o.dropout = s.number("dropout", o.dropout, {.lo = 0, .hi = 1});
}

const std::map<std::string, ZooBuilder>& zoo() {
  static const std::map<std::string, ZooBuilder> table = {
      {"lenet5",
       [](ZooContext& c) {
         models::LeNet5Options o{.in_channels = c.channels, .image_size = c.size, .dtype = c.dtype};
         o.padding = c.s.integer("padding", o.padding, 0);
         read_shared(c.s, o);
         o.modern = c.s.boolean("modern", o.modern);
         return models::lenet5(o, c.gen);
       }},
      {"ciresan_mlp",
       [](ZooContext& c) {
         models::CiresanMlpOptions o{.dtype = c.dtype};
         o.in_features = c.channels * c.size * c.size;
         o.hidden = c.s.integers("hidden", o.hidden, 1);
         read_shared(c.s, o);
         return models::ciresan_mlp(o, c.gen);
       }},
      {"alexnet",
       [](ZooContext& c) {
         models::AlexNetOptions o{.in_channels = c.channels, .dtype = c.dtype};
         read_shared(c.s, o);
         o.paper = c.s.boolean("paper", o.paper);
         o.hidden = c.s.integer("hidden", o.hidden, 1);
         o.small_input = c.s.boolean("small_input", o.small_input);
         o.pool = c.s.integer("pool", o.pool, 1);
         return models::alexnet(o, c.gen);
       }},
      {"vgg",
       [](ZooContext& c) {
         models::VGGOptions o{.in_channels = c.channels, .dtype = c.dtype};
         o.depth = int(c.s.integer("depth", o.depth, 11));
         o.batch_norm = c.s.boolean("batch_norm", o.batch_norm);
         read_shared(c.s, o);
         o.width = c.s.integer("width", o.width, 1);
         o.hidden = c.s.integer("hidden", o.hidden, 1);
         o.pool = c.s.integer("pool", o.pool, 1);
         o.ceil_mode = c.s.boolean("ceil_mode", o.ceil_mode);
         return models::vgg(o, c.gen);
       }},
      {"resnet50",
       [](ZooContext& c) {
         models::ResNetOptions o{.in_channels = c.channels, .dtype = c.dtype};
         read_shared(c.s, o);
         o.width = c.s.integer("width", o.width, 1);
         o.small_input = c.s.boolean("small_input", o.small_input);
         return models::resnet50(o, c.gen);
       }},
      {"googlenet",
       [](ZooContext& c) {
         models::GoogLeNetOptions o{.in_channels = c.channels, .dtype = c.dtype};
         read_shared(c.s, o);
         o.transform_input = c.s.boolean("transform_input", o.transform_input);
         o.five_by_five = c.s.boolean("five_by_five", o.five_by_five);
         o.small_input = c.s.boolean("small_input", o.small_input);
         o.width = c.s.integer("width", o.width, 1);
         return models::googlenet(o, c.gen);
       }},
      {"nin",
       [](ZooContext& c) {
         models::NiNOptions o{.in_channels = c.channels, .dtype = c.dtype};
         read_shared(c.s, o);
         o.small_input = c.s.boolean("small_input", o.small_input);
         return models::nin(o, c.gen);
       }},
      {"overfeat",
       [](ZooContext& c) {
         models::OverfeatOptions o{.in_channels = c.channels, .image_size = c.size, .dtype = c.dtype};
         read_shared(c.s, o);
         const std::vector<std::int64_t> hidden =
             c.s.integers("hidden", std::vector<std::int64_t>{o.hidden[0], o.hidden[1]}, 1);
         if (hidden.size() != 2)
           fail(c.s.path_of("hidden"), "expected 2 widths (layers 6 and 7), found " + std::to_string(hidden.size()));
         o.hidden[0] = hidden[0];
         o.hidden[1] = hidden[1];
         o.small_input = c.s.boolean("small_input", o.small_input);
         return models::overfeat(o, c.gen);
       }},
  };
  return table;
}

}  // namespace

BuiltModel build_zoo(Section& s, const std::vector<std::int64_t>& input_shape, DType dtype, Generator& gen) {
  std::string known;
  for (const auto& [name, builder] : zoo()) known += (known.empty() ? "" : ", ") + name;
  const std::string name = s.text("zoo", std::nullopt);
  const auto it = zoo().find(name);
  if (it == zoo().end()) fail(s.path_of("zoo"), "unknown network \"" + name + "\"; expected one of " + known);
  std::vector<std::int64_t> shape = s.integers("input_shape", input_shape.empty() ? std::nullopt : std::optional(input_shape), 1);
  if (!input_shape.empty() && shape != input_shape)
    fail(s.path_of("input_shape"), "expected " + shape_text(input_shape) + " (the data's example shape), got " +
                                       shape_text(shape));
  if (shape.size() != 3 || shape[1] != shape[2])
    fail(s.path_of("input_shape"), "the zoo's networks take square images [channels, size, size], got " +
                                       shape_text(shape));
  ZooContext context{s, shape[0], shape[1], dtype, gen};
  BuiltModel built;
  auto net = std::make_shared<nn::Sequential>();
  try {
    *net = it->second(context);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    fail(s.path(), e.what());
  }
  built.model = net;
  built.input_shape = shape;
  // The shape check before any data flows, and one summary row per top-level layer.
  Shape current(std::span<const std::int64_t>(std::vector<std::int64_t>{1, shape[0], shape[1], shape[2]}));
  try {
    for (std::size_t i = 0; i < net->size(); ++i) {
      const Shape out = (*net)[i].output_shape(current);
      built.layers.push_back({s.path() + "." + net->path(i), (*net)[i].type_name(),
                              std::vector<std::int64_t>(out.begin() + 1, out.end()), (*net)[i].parameter_count(),
                              (*net)[i].flops(current)});
      current = out;
    }
  } catch (const Error& e) {
    fail(s.path(), std::string(e.what()) + " (the data's examples have shape " + shape_text(shape) + ")");
  }
  built.output_shape = built.layers.back().output_shape;
  return built;
}

}  // namespace soma::config::detail
