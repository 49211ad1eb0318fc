// The models of tests/onnx/export_test.cpp (see onnx_cases.h).
#include "onnx_cases.h"

#include "soma/config/builders.h"
#include "soma/config/section.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/local_response_norm.h"
#include "soma/nn/pool.h"
#include "soma/nn/recurrent.h"
#include "soma/nn/sequential.h"
#include "soma/nn/time_distributed.h"
#include "soma/nn/upsample.h"
#include "soma/models/alexnet.h"
#include "soma/models/ciresan.h"
#include "soma/models/googlenet.h"
#include "soma/models/lenet.h"
#include "soma/models/nin.h"
#include "soma/models/resnet.h"
#include "soma/models/vgg.h"

namespace soma::test {

namespace {

// Shape with its first axis replaced by 1: the files are exported for a batch of 1 and run on
// larger ones, so every case also checks that the batch axis is free.
Shape batch_of_one(Shape s) {
  s[0] = 1;
  return s;
}

class Cases {
 public:
  explicit Cases(Generator& gen) : gen_(gen) {}

  // A layer on uniform(-2, 2) inputs of `shape`.
  template <class Layer>
  void add(std::string name, Layer layer, const Shape& shape) {
    add_model(std::move(name), std::make_shared<Layer>(std::move(layer)), {uniform(shape, -2, 2, gen_)});
  }
  void add_model(std::string name, std::shared_ptr<nn::Module> model, std::vector<Tensor> inputs) {
    std::vector<Shape> shapes;
    for (const Tensor& x : inputs) shapes.push_back(batch_of_one(x.shape()));
    cases.push_back({std::move(name), std::move(model), std::move(inputs), std::move(shapes)});
  }
  Tensor ids(const Shape& shape, std::int64_t vocabulary) {
    Tensor t(shape, DType::i64);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<std::int64_t>()[i] = std::int64_t(gen_.next_u64() % vocabulary);
    return t;
  }

  std::vector<OnnxCase> cases;

 private:
  Generator& gen_;
};

// Keras' activation option of Dense and Conv2d (nn/activation.h) where this soma has it; without
// it, the case is the plain layer.
template <class Options>
Options with_activation(Options o, const char* name) {
  if constexpr (requires { o.activation; }) o.activation = name;
  return o;
}

void dense_and_activations(Cases& c, Generator& g) {
  c.add("dense", nn::Dense(6, 4, g), {3, 6});
  c.add("dense_no_bias_3d", nn::Dense({.in = 6, .out = 4, .bias = false}, g), {2, 5, 6});
  c.add("dense_activation_softmax", nn::Dense(with_activation(nn::DenseOptions{.in = 6, .out = 4}, "softmax"), g),
        {3, 6});
  c.add("dense_activation_leaky_relu",
        nn::Dense(with_activation(nn::DenseOptions{.in = 6, .out = 4}, "leaky_relu"), g), {3, 6});
  c.add("sigmoid", nn::Sigmoid(), {3, 7});
  c.add("tanh", nn::Tanh(), {3, 7});
  c.add("relu", nn::ReLU(), {3, 7});
  c.add("leaky_relu", nn::LeakyReLU(0.2), {3, 7});
  c.add("threshold", nn::Threshold(0.1), {3, 7});
  c.add("softmax", nn::Softmax(), {3, 7});
  c.add("softmax_axis1", nn::Softmax(1), {2, 4, 5});
  c.add("log_softmax", nn::LogSoftmax(), {3, 7});
  c.add("dropout", nn::Sequential(nn::Dense(6, 4, g), nn::Dropout(0.5, g)), {3, 6});
  c.add("flatten", nn::Flatten(), {2, 3, 4, 5});
  c.add("flatten_1_2", nn::Flatten(1, 2), {2, 3, 4, 5});
  c.add("batch_norm2d", nn::BatchNorm2d(3), {4, 3, 5, 5});
  c.add("batch_norm1d", nn::BatchNorm1d(5), {4, 5});
  c.add("batch_norm1d_sequence_no_affine", nn::BatchNorm1d(3, {.affine = false}), {4, 3, 6});
  c.add_model("embedding", std::make_shared<nn::Embedding>(10, 4, g), {c.ids({3, 5}, 10)});
}

void image_layers(Cases& c, Generator& g) {
  c.add("conv2d", nn::Conv2d({.in = 3, .out = 4, .kernel = 3, .stride = 2, .padding = 1}, g), {2, 3, 9, 9});
  // 'same' with a 4-wide kernel: the odd padding column goes right.
  c.add("conv2d_same_groups_no_bias",
        nn::Conv2d({.in = 4, .out = 6, .kernel = {3, 4}, .padding = nn::Padding::same, .groups = 2, .bias = false}, g),
        {2, 4, 7, 8});
  c.add("conv2d_activation_softmax",
        nn::Conv2d(with_activation(nn::Conv2dOptions{.in = 3, .out = 4, .kernel = 3}, "softmax"), g), {2, 3, 6, 6});
  c.add("conv2d_dilated", nn::Conv2d({.in = 2, .out = 3, .kernel = 3, .stride = {1, 2}, .padding = {2, 0},
                                      .dilation = 2}, g),
        {2, 2, 9, 10});
  c.add("conv_transpose2d",
        nn::ConvTranspose2d({.in = 4, .out = 6, .kernel = 4, .stride = 2, .padding = 1, .output_padding = 1,
                             .groups = 2}, g),
        {2, 4, 5, 5});
  c.add("conv_transpose2d_dilated",
        nn::ConvTranspose2d({.in = 3, .out = 2, .kernel = 3, .stride = {2, 1}, .padding = {0, 1}, .bias = false,
                             .dilation = 2}, g),
        {2, 3, 4, 6});
  c.add("max_pool2d", nn::MaxPool2d(2), {2, 3, 8, 8});
  c.add("max_pool2d_pad_ceil", nn::MaxPool2d({.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true}),
        {2, 3, 8, 8});
  // PyTorch's rule: ceil_mode's last window would start in the right padding, so it is dropped.
  c.add("max_pool2d_ceil_edge", nn::MaxPool2d({.kernel = 2, .stride = 2, .padding = 1, .ceil_mode = true}),
        {2, 3, 5, 5});
  c.add("avg_pool2d", nn::AvgPool2d(2), {2, 3, 8, 8});
  c.add("avg_pool2d_pad", nn::AvgPool2d({.kernel = 3, .stride = 2, .padding = 1}), {2, 3, 8, 8});
  c.add("avg_pool2d_pad_ceil_exclude",
        nn::AvgPool2d({.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}),
        {2, 3, 8, 8});
  // ceil_mode's last window reaching past the padding: PyTorch's divisor counts the padding only.
  c.add("avg_pool2d_pad_ceil_include",
        nn::AvgPool2d({.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true}), {2, 3, 8, 8});
  c.add("avg_pool2d_ceil_no_pad", nn::AvgPool2d({.kernel = 3, .stride = 2, .ceil_mode = true}), {2, 3, 8, 7});
  c.add("avg_pool2d_ceil_edge", nn::AvgPool2d({.kernel = 2, .stride = 2, .padding = 1, .ceil_mode = true}),
        {2, 3, 5, 5});
  c.add("global_avg_pool2d", nn::Sequential(nn::GlobalAvgPool2d(), nn::Flatten()), {2, 3, 5, 4});
  c.add("upsample_nearest", nn::Upsample({.scale_factor = 2}), {2, 3, 4, 5});
  c.add("upsample_nearest_size", nn::Upsample({.size = {7, 9}}), {2, 3, 4, 5});
  c.add("upsample_bilinear", nn::Upsample({.scale_factor = 2, .mode = nn::UpsampleMode::bilinear}), {2, 3, 4, 5});
  c.add("upsample_bilinear_size", nn::Upsample({.size = {7, 9}, .mode = nn::UpsampleMode::bilinear}), {2, 3, 4, 5});
  c.add("upsample_bilinear_align_corners",
        nn::Upsample({.size = {7, 9}, .mode = nn::UpsampleMode::bilinear, .align_corners = true}), {2, 3, 4, 5});
  c.add("upsample_nearest_fractional", nn::Upsample({.scale_factor = {1.5, 2.5}}), {2, 3, 4, 5});
  c.add("upsample_bilinear_fractional", nn::Upsample({.scale_factor = 1.5, .mode = nn::UpsampleMode::bilinear}),
        {2, 3, 4, 5});
  c.add("adaptive_avg_pool2d_tiles", nn::AdaptiveAvgPool2d({2, 3}), {2, 3, 8, 9});
  c.add("adaptive_avg_pool2d_overlapping", nn::AdaptiveAvgPool2d({3, 4}), {2, 3, 7, 6});
  c.add("adaptive_avg_pool2d_grows", nn::AdaptiveAvgPool2d(6), {2, 3, 1, 2});
  c.add("adaptive_avg_pool2d_to_1", nn::AdaptiveAvgPool2d(1), {2, 3, 5, 4});
  c.add("local_response_norm", nn::LocalResponseNorm({.size = 5, .alpha = 1e-2, .beta = 0.75, .k = 2}), {2, 7, 4, 5});
  c.add("local_response_norm_even", nn::LocalResponseNorm({.size = 4, .alpha = 0.1, .beta = 0.5}), {2, 6, 3, 3});
  c.add("local_response_norm_3d", nn::LocalResponseNorm({.size = 3, .alpha = 0.1}), {2, 5, 6});
  c.add("time_distributed_conv2d", nn::TimeDistributed(nn::Conv2d({.in = 1, .out = 2, .kernel = 3}, g)),
        {2, 3, 1, 6, 6});
}

void recurrent_layers(Cases& c, Generator& g) {
  c.add("rnn_tanh", nn::RNN({.input_size = 4, .hidden_size = 5}, g), {3, 6, 4});
  c.add("rnn_relu_2_layers", nn::RNN({.input_size = 4, .hidden_size = 5, .num_layers = 2,
                                      .nonlinearity = nn::Nonlinearity::relu}, g),
        {3, 6, 4});
  c.add("lstm", nn::LSTM({.input_size = 4, .hidden_size = 5}, g), {3, 6, 4});
  c.add("lstm_2_layers_last_step",
        nn::LSTM({.input_size = 4, .hidden_size = 5, .num_layers = 2, .return_sequences = false}, g), {3, 6, 4});
  c.add("lstm_no_bias", nn::LSTM({.input_size = 4, .hidden_size = 5, .bias = false}, g), {3, 6, 4});
  c.add("gru", nn::GRU({.input_size = 4, .hidden_size = 5}, g), {3, 6, 4});
  c.add("gru_2_layers_last_step",
        nn::GRU({.input_size = 4, .hidden_size = 5, .num_layers = 2, .return_sequences = false}, g), {3, 6, 4});
}

// Graph merges: add, multiply and concatenate; and two inputs with two outputs.
void graphs(Cases& c, Generator& g) {
  auto merges = std::make_shared<nn::Graph>();
  nn::Node x = merges->input("x", {8});
  nn::Node a = merges->layer("a", nn::Dense(8, 6, g), x);
  nn::Node b = merges->layer("b", nn::Dense(8, 6, g), x);
  nn::Node sum = merges->add("sum", {a, b, a});
  nn::Node product = merges->multiply("product", {a, b, sum});
  nn::Node both = merges->concatenate("both", {sum, product}, -1);
  merges->output(merges->layer("head", nn::Dense(12, 3, g), both));
  c.add_model("graph_merges", merges, {uniform({3, 8}, -2, 2, g)});

  auto two = std::make_shared<nn::Graph>();
  nn::Node left = two->input("left", {2, 4, 4});
  nn::Node right = two->input("right", {3, 4, 4});
  nn::Node joined = two->concatenate("joined", {left, right});
  nn::Node conv = two->layer("conv", nn::Conv2d({.in = 5, .out = 2, .kernel = 3, .padding = 1}, g), joined);
  two->output(conv);
  two->output(two->layer("pooled", nn::GlobalAvgPool2d(), conv));
  // A residual block as a Graph inside a Sequential, with a Sequential inside the Graph.
  auto block = std::make_shared<nn::Graph>();
  nn::Node in = block->input("in", {2, 5, 5});
  nn::Node body = block->layer("body", nn::Sequential(nn::Conv2d({.in = 2, .out = 2, .kernel = 3, .padding = 1}, g),
                                                      nn::Tanh()), in);
  block->output(block->add("skip", {body, in}));
  auto nested = std::make_shared<nn::Sequential>();
  nested->push_back(block);
  nested->push_back(nn::Flatten());
  nested->push_back(nn::Dense(50, 3, g));
  c.add_model("graph_in_sequential", nested, {uniform({2, 2, 5, 5}, -2, 2, g)});

  c.add_model("graph_two_inputs_two_outputs", two, {uniform({2, 2, 4, 4}, -2, 2, g), uniform({2, 3, 4, 4}, -2, 2, g)});
}

// The zoo (models/) in sizes that export and run in a moment.
void zoo(Cases& c, Generator& g) {
  auto image = [&](std::int64_t channels, std::int64_t size) { return uniform({2, channels, size, size}, 0, 1, g); };
  auto add = [&](std::string name, nn::Sequential net, Tensor x) {
    c.add_model(std::move(name), std::make_shared<nn::Sequential>(std::move(net)), {std::move(x)});
  };
  // The blocks alone first: a whole random network's outputs hide much of a block's mistakes.
  c.add("zoo_inception", models::Inception({.in = 6, .ch1x1 = 3, .ch3x3red = 2, .ch3x3 = 4, .ch5x5red = 2, .ch5x5 = 3,
                                            .pool_proj = 2}, g),
        {2, 6, 5, 5});
  c.add("zoo_inception_5x5", models::Inception({.in = 4, .ch1x1 = 2, .ch3x3red = 2, .ch3x3 = 3, .ch5x5red = 2,
                                                .ch5x5 = 3, .pool_proj = 2, .five_by_five = true}, g),
        {2, 4, 6, 6});
  c.add("zoo_bottleneck", models::Bottleneck({.in = 8, .planes = 2}, g), {2, 8, 5, 5});
  c.add("zoo_bottleneck_projection", models::Bottleneck({.in = 4, .planes = 3, .stride = 2}, g), {2, 4, 7, 7});
  c.add("zoo_transform_input", models::TransformInput(), {2, 3, 4, 5});
  add("zoo_lenet5", models::lenet5({}, g), image(1, 32));
  add("zoo_lenet5_modern", models::lenet5({.image_size = 28, .padding = 2, .modern = true}, g), image(1, 28));
  add("zoo_ciresan_mlp", models::ciresan_mlp({.hidden = {40, 30, 20}}, g), image(1, 28));
  add("zoo_alexnet_paper", models::alexnet({.classes = 10, .paper = true, .hidden = 64}, g), image(3, 67));
  add("zoo_vgg11_bn", models::vgg11({.batch_norm = true, .in_channels = 1, .classes = 10, .width = 8, .hidden = 32,
                                     .pool = 1, .ceil_mode = true}, g),
      image(1, 28));
  add("zoo_nin", models::nin({.in_channels = 1}, g), image(1, 28));
  add("zoo_googlenet_small", models::googlenet({.in_channels = 1, .classes = 10, .small_input = true, .width = 8}, g),
      image(1, 28));
  add("zoo_googlenet_transform_input", models::googlenet({.classes = 10, .transform_input = true, .width = 8}, g),
      image(3, 32));
  add("zoo_resnet50_small", models::resnet50({.in_channels = 1, .classes = 10, .width = 8, .small_input = true}, g),
      image(1, 28));
  add("zoo_resnet50_stem", models::resnet50({.classes = 10, .width = 8}, g), image(3, 32));
}

std::shared_ptr<nn::Module> config_model(const std::string& file, std::vector<std::int64_t> input_shape, Generator& g) {
  const config::Json cfg = config::read_json_file(file);
  config::Json resolved;
  return config::build_model(cfg.at("model"), "model", std::move(input_shape), DType::f32, g, resolved).model;
}

void configs(Cases& c, const std::string& dir, Generator& g) {
  c.add_model("config_cnn_fashion", config_model(dir + "/cnn_fashion.json", {1, 28, 28}, g),
              {uniform({2, 1, 28, 28}, 0, 1, g)});
  c.add_model("config_residual_cnn", config_model(dir + "/residual_cnn.json", {}, g),
              {uniform({2, 1, 28, 28}, 0, 1, g)});
  c.add_model("config_char_lstm", config_model(dir + "/char_lstm.json", {32}, g), {c.ids({2, 32}, 73)});
}

}  // namespace

std::vector<OnnxCase> onnx_cases(const std::string& configs_dir) {
  Generator gen(2026);
  Cases cases(gen);
  dense_and_activations(cases, gen);
  image_layers(cases, gen);
  recurrent_layers(cases, gen);
  graphs(cases, gen);
  zoo(cases, gen);
  configs(cases, configs_dir, gen);
  return std::move(cases.cases);
}

}  // namespace soma::test
