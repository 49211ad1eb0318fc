// Tests of the model zoo (include/soma/models/): each family's layout (paths, parameter counts
// worked out by hand from its paper or torchvision, output shapes for small and full-size
// images), float64 gradchecks of the composite blocks (Bottleneck, Inception), the errors for
// inputs a network cannot take, the summary, and the config's {"zoo": ...} form. The
// torchvision comparison is in torchvision_reference_test.cpp.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/config/builders.h"
#include "soma/core/factory.h"
#include "soma/models/alexnet.h"
#include "soma/models/ciresan.h"
#include "soma/models/googlenet.h"
#include "soma/models/lenet.h"
#include "soma/models/nin.h"
#include "soma/models/overfeat.h"
#include "soma/models/resnet.h"
#include "soma/models/vgg.h"
#include "soma/nn/summary.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;

bool has_layer(const nn::Module& m, const std::string& type) {
  if (m.type_name() == type) return true;
  for (const auto& [name, child] : m.children())
    if (has_layer(*child, type)) return true;
  return false;
}

TEST(ModelZoo, LeNet5PaperAndModern) {
  Generator gen(1);
  // c1 6*(25+1), c3 16*(6*25+1), c5 120*(16*25+1), f6 84*(120+1), output 10*(84+1).
  const std::int64_t count = 156 + 2416 + 48120 + 10164 + 850;
  nn::Sequential paper = models::lenet5({}, gen);
  EXPECT_EQ(paper.parameter_count(), count);
  EXPECT_EQ(paper.output_shape({2, 1, 32, 32}), Shape({2, 10}));
  EXPECT_EQ(paper.path(0), "c1");
  EXPECT_TRUE(has_layer(paper, "Tanh") && has_layer(paper, "AvgPool2d") && !has_layer(paper, "ReLU"));
  nn::Sequential modern = models::lenet5({.image_size = 28, .padding = 2, .modern = true}, gen);
  EXPECT_EQ(modern.parameter_count(), count);
  EXPECT_TRUE(has_layer(modern, "ReLU") && has_layer(modern, "MaxPool2d") && !has_layer(modern, "Tanh"));
  EXPECT_EQ(modern(random64({2, 1, 28, 28}, 1).to(DType::f32)).shape(), Shape({2, 10}));
  // Without padding a 28x28 image still fits: c5's kernel covers S4's 4x4 map.
  EXPECT_EQ(models::lenet5({.image_size = 28}, gen).output_shape({1, 1, 28, 28}), Shape({1, 10}));
  EXPECT_TRUE(throws_error_with([&] { models::lenet5({.image_size = 10}, gen); }, {"lenet5", "at least 12 pixels"}));
  const std::string table = nn::summary(paper, {1, 32, 32});
  EXPECT_NE(table.find("c5 (Conv2d)"), std::string::npos) << table;
  EXPECT_NE(table.find("Total params: 61,706"), std::string::npos) << table;
}

TEST(ModelZoo, CiresanMlp) {
  Generator gen(1);
  nn::Sequential mlp = models::ciresan_mlp({.hidden = {50, 20}}, gen);
  EXPECT_EQ(mlp.parameter_count(), 784 * 50 + 50 + 50 * 20 + 20 + 20 * 10 + 10);
  EXPECT_EQ(mlp(random64({3, 1, 28, 28}, 2).to(DType::f32)).shape(), Shape({3, 10}));
  EXPECT_EQ(mlp.path(5), "fc3");
  EXPECT_TRUE(throws_error_with([&] { models::ciresan_mlp({.hidden = {}}, gen); }, {"ciresan_mlp", "hidden"}));
}

TEST(ModelZoo, AlexNetPaperLayoutHasLocalResponseNorm) {
  Generator gen(1);
  nn::Sequential net = models::alexnet({.classes = 10, .paper = true, .hidden = 32}, gen);
  EXPECT_TRUE(has_layer(net, "LocalResponseNorm"));
  EXPECT_EQ(net.output_shape({1, 3, 224, 224}), Shape({1, 10}));
  // 96, 256, 384, 384, 256 channels: conv weights and biases, then 9216 -> 32 -> 32 -> 10.
  const std::int64_t convs = 96 * 3 * 121 + 96 + 256 * 96 * 25 + 256 + 384 * 256 * 9 + 384 + 384 * 384 * 9 + 384 +
                             256 * 384 * 9 + 256;
  EXPECT_EQ(net.parameter_count(), convs + 9216 * 32 + 32 + 32 * 32 + 32 + 32 * 10 + 10);
  EXPECT_TRUE(throws_error_with([&] { net.output_shape({1, 3, 40, 40}); }, {"features", "MaxPool2d"}));
}

TEST(ModelZoo, SmallAlexNetOn28And32) {
  Generator gen(1);
  nn::Sequential net = models::alexnet({.in_channels = 1, .classes = 10, .hidden = 64, .small_input = true,
                                        .pool = 2}, gen);
  // 28 -> 28 (3x3/1) -> 13 -> 13 -> 6 -> 6 -> 2 (the three 3x3/2 pools).
  EXPECT_EQ(net[0].output_shape({5, 1, 28, 28}), Shape({5, 256, 2, 2}));
  EXPECT_EQ(net(random64({5, 1, 28, 28}, 3).to(DType::f32)).shape(), Shape({5, 10}));
  EXPECT_EQ(net[0].output_shape({1, 1, 32, 32}), Shape({1, 256, 3, 3}));  // 32 -> 15 -> 7 -> 3
  const std::int64_t convs = 64 * 1 * 9 + 64 + 192 * 64 * 25 + 192 + 384 * 192 * 9 + 384 + 256 * 384 * 9 + 256 +
                             256 * 256 * 9 + 256;
  EXPECT_EQ(net.parameter_count(), convs + 1024 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
  EXPECT_TRUE(throws_error_with([&] { models::alexnet({.pool = 0}, gen); }, {"alexnet", "pool"}));
}

TEST(ModelZoo, SmallVggOn28x28) {
  Generator gen(1);
  const models::VGGOptions small{.depth = 11, .batch_norm = true, .in_channels = 1, .classes = 10, .width = 4,
                                 .hidden = 16, .pool = 1, .ceil_mode = true};
  nn::Sequential net = models::vgg(small, gen);
  EXPECT_EQ(net(random64({2, 1, 28, 28}, 3).to(DType::f32)).shape(), Shape({2, 10}));
  EXPECT_EQ(net.path(0), "features");
  // Without ceil_mode the fifth pool meets a 1x1 map.
  models::VGGOptions floor = small;
  floor.ceil_mode = false;
  EXPECT_TRUE(throws_error_with([&] { models::vgg(floor, gen).output_shape({1, 1, 28, 28}); }, {"MaxPool2d"}));
  EXPECT_TRUE(throws_error_with([&] { models::vgg({.depth = 12}, gen); }, {"vgg: depth must be 11, 13, 16 or 19"}));
}

TEST(ModelZoo, BottleneckGradcheckAndShapes) {
  for (const bool project : {false, true}) {
    SCOPED_TRACE(project ? "projection" : "identity");
    Generator gen(3);
    auto block = std::make_shared<models::Bottleneck>(
        models::BottleneckOptions{.in = 8, .planes = project ? 3 : 2, .stride = project ? 2 : 1, .dtype = DType::f64},
        gen);
    EXPECT_EQ(block->has_projection(), project);
    const Shape x{2, 8, 5, 5};
    EXPECT_EQ(block->output_shape(x), project ? Shape({2, 12, 3, 3}) : Shape({2, 8, 5, 5}));
    EXPECT_TRUE(gradcheck([block](const std::vector<Tensor>& in) { return (*block)(in[0]); }, {random64(x, 5)}));
  }
  Generator gen(3);
  models::Bottleneck block({.in = 8, .planes = 2}, gen);
  EXPECT_TRUE(throws_error_with([&] { block.output_shape({1, 4, 5, 5}); }, {"Bottleneck", "Conv2d", "8"}));
  EXPECT_TRUE(throws_error_with([&] { block(zeros({1, 4, 5, 5})); }, {"Bottleneck"}));
}

TEST(ModelZoo, SmallResNetForward) {
  Generator gen(1);
  nn::Sequential net = models::resnet50({.classes = 10, .width = 4, .small_input = true}, gen);
  EXPECT_EQ(net(random64({2, 3, 32, 32}, 4).to(DType::f32)).shape(), Shape({2, 10}));
  EXPECT_EQ(net.path(3), "layer1");
}

TEST(ModelZoo, InceptionGradcheckAndShapes) {
  Generator gen(4);
  auto m = std::make_shared<models::Inception>(
      models::InceptionOptions{.in = 4, .ch1x1 = 2, .ch3x3red = 2, .ch3x3 = 3, .ch5x5red = 2, .ch5x5 = 2,
                               .pool_proj = 2, .dtype = DType::f64},
      gen);
  EXPECT_EQ(m->output_shape({2, 4, 4, 4}), Shape({2, 9, 4, 4}));
  EXPECT_TRUE(gradcheck([m](const std::vector<Tensor>& in) { return (*m)(in[0]); }, {random64({2, 4, 4, 4}, 6)}));
  EXPECT_TRUE(throws_error_with([&] { m->output_shape({2, 5, 4, 4}); }, {"Inception branch1"}));
}

TEST(ModelZoo, GoogLeNetShapes) {
  Generator gen(1);
  nn::Sequential net = models::googlenet({.in_channels = 1, .classes = 10, .small_input = true}, gen);
  EXPECT_EQ(net.output_shape({1, 1, 28, 28}), Shape({1, 10}));
  nn::Sequential small = models::googlenet({.in_channels = 1, .classes = 10, .small_input = true, .width = 8}, gen);
  EXPECT_EQ(small(random64({2, 1, 28, 28}, 8).to(DType::f32)).shape(), Shape({2, 10}));
  EXPECT_TRUE(throws_error_with([&] { models::googlenet({.width = 4}, gen); }, {"width must be 8, 16, 32 or 64"}));
  EXPECT_TRUE(throws_error_with([&] { models::googlenet({.in_channels = 1, .transform_input = true}, gen); },
                                {"transform_input needs 3 input channels"}));
}

TEST(ModelZoo, NiNForward) {
  Generator gen(1);
  nn::Sequential net = models::nin({.in_channels = 1, .classes = 10}, gen);
  EXPECT_EQ(net(random64({2, 1, 28, 28}, 7).to(DType::f32)).shape(), Shape({2, 10}));
  EXPECT_EQ(models::nin({.small_input = false}, gen).output_shape({1, 3, 224, 224}), Shape({1, 10}));
}

TEST(ModelZoo, OverfeatShapes) {
  Generator gen(1);
  nn::Sequential net = models::overfeat({.image_size = 71, .classes = 10}, gen);
  EXPECT_EQ(net.output_shape({1, 3, 71, 71}), Shape({1, 10}));
  // Table 1: layer 5 ends at 1024 maps of 6x6 for the 231x231 crops.
  EXPECT_EQ(net[0].output_shape({1, 3, 231, 231}), Shape({1, 1024, 6, 6}));
  EXPECT_TRUE(throws_error_with([&] { models::overfeat({.image_size = 70}, gen); }, {"overfeat", "at least 71x71"}));
  // The small stem: 28 -> 28 -> 14 -> 10 -> 5 -> 2, and 32 -> 32 -> 16 -> 12 -> 6 -> 3.
  nn::Sequential small = models::overfeat({.in_channels = 1, .image_size = 28, .classes = 10, .hidden = {64, 32},
                                           .small_input = true}, gen);
  EXPECT_EQ(small[0].output_shape({2, 1, 28, 28}), Shape({2, 1024, 2, 2}));
  EXPECT_EQ(small(random64({2, 1, 28, 28}, 4).to(DType::f32)).shape(), Shape({2, 10}));
  EXPECT_EQ(small[0].output_shape({2, 1, 32, 32}), Shape({2, 1024, 3, 3}));
  EXPECT_EQ(small.parameter_count() - small[0].parameter_count(), 4096 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
  EXPECT_TRUE(throws_error_with([&] { models::overfeat({.image_size = 15, .small_input = true}, gen); },
                                {"overfeat", "at least 16x16"}));
}

TEST(ModelZoo, ConfigBuildsAZooNetwork) {
  Generator gen(0);
  config::Json resolved;
  const config::BuiltModel built = config::build_model(
      config::Json::parse(R"({"zoo": "lenet5", "modern": true, "padding": 2})"), "model", {1, 28, 28}, DType::f32,
      gen, resolved);
  EXPECT_EQ(built.model->parameter_count(), 61706);
  EXPECT_EQ(built.output_shape, std::vector<std::int64_t>({10}));
  EXPECT_EQ(built.layers.front().path, "model.c1");
  EXPECT_EQ(resolved["input_shape"], config::Json({1, 28, 28}));
  EXPECT_EQ(resolved["classes"], 10);
  auto fails = [&](const char* spec, std::vector<std::int64_t> shape) {
    config::Json r;
    config::build_model(config::Json::parse(spec), "model", shape, DType::f32, gen, r);
  };
  EXPECT_TRUE(throws_error_with([&] { fails(R"({"zoo": "lenet6"})", {1, 28, 28}); },
                                {"model.zoo", "unknown network \"lenet6\"", "lenet5"}));
  EXPECT_TRUE(throws_error_with([&] { fails(R"({"zoo": "lenet5", "kernel": 3})", {1, 28, 28}); }, {"model.kernel"}));
  EXPECT_TRUE(throws_error_with([&] { fails(R"({"zoo": "overfeat"})", {3, 28, 28}); }, {"model", "at least 71x71"}));
  EXPECT_TRUE(throws_error_with([&] { fails(R"({"zoo": "lenet5"})", {1, 28, 20}); }, {"square images"}));
  // Every network has a 28x28 version.
  auto classes = [&](const char* spec) {
    config::Json r;
    return config::build_model(config::Json::parse(spec), "model", {1, 28, 28}, DType::f32, gen, r).output_shape;
  };
  EXPECT_EQ(classes(R"({"zoo": "alexnet", "small_input": true, "pool": 2, "hidden": 64, "classes": 10})"),
            std::vector<std::int64_t>({10}));
  EXPECT_EQ(classes(R"({"zoo": "overfeat", "small_input": true, "hidden": [64, 32], "classes": 10})"),
            std::vector<std::int64_t>({10}));
  EXPECT_TRUE(throws_error_with([&] { fails(R"({"zoo": "overfeat", "small_input": true, "hidden": [64]})",
                                            {1, 28, 28}); },
                                {"model.hidden", "expected 2 widths"}));
}

}  // namespace
}  // namespace soma
