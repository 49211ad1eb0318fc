// Tests for io::save/load and state_dict/load_state_dict: a saved Sequential of Dense layers
// loads into a differently initialized one and gives bit-identical outputs; buffers travel
// too; strict and non-strict name checks, shape and dtype mismatches, with their messages;
// and a failed load leaves the model unchanged.
#include "soma/io/weights.h"

#include <gtest/gtest.h>

#include "io/io_test_util.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/io/safetensors.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"

namespace {

using soma::DType;
using soma::Generator;
using soma::Tensor;
using soma::test::error_of;
using soma::test::same_tensor;
namespace io = soma::io;
namespace nn = soma::nn;

class IoWeights : public soma::test::IoTest {};

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

nn::Sequential mlp(std::uint64_t seed, std::int64_t hidden = 5, DType dtype = DType::f32) {
  Generator gen(seed);
  return nn::Sequential{nn::Dense({.in = 3, .out = hidden, .dtype = dtype}, gen), nn::Tanh(),
                        nn::Dense({.in = hidden, .out = 2, .dtype = dtype}, gen)};
}

Tensor run(nn::Module& net, const Tensor& x) {
  soma::NoGradGuard no_grad;
  return net(x);
}

// A module with a buffer, as batch norm has running statistics.
class Normalizer : public nn::Module {
 public:
  Normalizer() {
    scale_ = register_parameter("scale", soma::ones({4}));
    mean_ = register_buffer("running_mean", soma::zeros({4}));
    count_ = register_buffer("count", soma::scalar(0, DType::i64));
  }
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Normalizer"; }
  Tensor scale_, mean_, count_;
};

}  // namespace

TEST_F(IoWeights, SavedModelLoadsIntoAnotherGivingIdenticalOutputs) {
  auto trained = mlp(1), fresh = mlp(2);
  const Tensor x = soma::normal({8, 3}, 0, 1, soma::default_generator());
  ASSERT_FALSE(same_tensor(run(trained, x), run(fresh, x)));

  const std::vector<Tensor> handles = fresh.parameters();
  io::save(trained, path("mlp.safetensors"));
  const io::LoadReport report = io::load(fresh, path("mlp.safetensors"));
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty());
  EXPECT_TRUE(same_tensor(run(trained, x), run(fresh, x)));
  // In place: the same tensors (an optimizer holding them sees the new values), still parameters.
  const std::vector<Tensor> after = fresh.parameters();
  for (std::size_t i = 0; i < handles.size(); ++i) {
    EXPECT_TRUE(after[i].shares_storage(handles[i]));
    EXPECT_TRUE(after[i].requires_grad());
    EXPECT_TRUE(after[i].is_leaf());
  }
}

TEST_F(IoWeights, FileHoldsDottedNamesInModelOrder) {
  io::save(mlp(1), path("mlp.safetensors"));
  const auto file = io::load_safetensors(path("mlp.safetensors"));
  std::vector<std::string> names;
  for (const auto& [name, t] : file.tensors) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}));
  EXPECT_EQ(file.at("layers.0.weight").shape(), (soma::Shape{5, 3}));  // [out, in], as in PyTorch
}

TEST_F(IoWeights, BuffersAreSavedAndLoaded) {
  Normalizer a, b;
  a.scale_.set({1}, 3);
  a.mean_.set({2}, -0.5);
  a.count_.set({}, 17);
  const auto names = io::state_dict(a);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[1].first, "running_mean");
  io::save(a, path("n.safetensors"));
  io::load(b, path("n.safetensors"));
  EXPECT_TRUE(same_tensor(b.scale_, a.scale_));
  EXPECT_TRUE(same_tensor(b.mean_, a.mean_));
  EXPECT_EQ(b.count_.item(), 17);
}

TEST_F(IoWeights, StrictReportsMissingNames) {
  Generator gen(3);
  nn::Sequential small{nn::Dense(3, 5, gen)};
  io::save(small, path("small.safetensors"));
  auto net = mlp(1);
  const std::string message = error_of([&] { io::load(net, path("small.safetensors")); });
  EXPECT_CONTAINS(message, "load '" + path("small.safetensors") + "'");
  EXPECT_CONTAINS(message, "2 missing tensors (in the model, not in the input): layers.2.weight, layers.2.bias");
  EXPECT_EQ(message.find("unexpected"), std::string::npos) << message;
}

TEST_F(IoWeights, StrictReportsUnexpectedNames) {
  io::save(mlp(1), path("big.safetensors"));
  Generator gen(3);
  nn::Sequential small{nn::Dense(3, 5, gen)};
  const std::string message = error_of([&] { io::load(small, path("big.safetensors")); });
  EXPECT_CONTAINS(message, "2 unexpected tensors (in the input, not in the model): layers.2.weight, layers.2.bias");
  EXPECT_EQ(message.find("missing"), std::string::npos) << message;
}

TEST_F(IoWeights, StrictReportsEveryProblemAtOnceAndChangesNothing) {
  auto net = mlp(1);
  const Tensor before = net.parameters()[0].copy();
  const std::string message = error_of([&] {
    io::load_state_dict(net, {{"layers.0.weight", soma::zeros({5, 4})}, {"layers.2.bias", soma::zeros({2})},
                              {"layers.9.weight", soma::zeros({1})}});
  });
  EXPECT_CONTAINS(message, "load_state_dict: tensor 'layers.0.weight' has shape [5, 3] in the model but [5, 4] in the input; "
                           "2 missing tensors (in the model, not in the input): layers.0.bias, layers.2.weight; "
                           "1 unexpected tensor (in the input, not in the model): layers.9.weight. "
                           "Pass strict = false to load the common names only. Nothing was loaded.");
  EXPECT_TRUE(same_tensor(net.parameters()[0], before));
  EXPECT_FALSE(same_tensor(net.parameters()[3], soma::zeros({2})));
}

TEST_F(IoWeights, LoadSourceNamesTheFileAndGivesItsAdvice) {
  // A program whose users cannot pass strict (the soma command) names the file and advises
  // what they can do instead of the C++ API's strict = false.
  auto net = mlp(1);
  const std::vector<std::pair<std::string, Tensor>> partial{{"layers.0.weight", soma::zeros({5, 3})}};
  std::string message = error_of([&] {
    io::load_state_dict(net, partial, {.origin = "runs/a/model.safetensors", .advice = "Give the file soma train wrote"});
  });
  EXPECT_CONTAINS(message, "load 'runs/a/model.safetensors': 3 missing tensors (in the model, not in the input): "
                           "layers.0.bias, layers.2.weight, layers.2.bias. Give the file soma train wrote. Nothing was loaded.");
  EXPECT_EQ(message.find("strict"), std::string::npos) << message;
  message = error_of([&] { io::load_state_dict(net, partial, {.origin = "w.safetensors", .advice = ""}); });
  EXPECT_CONTAINS(message, "layers.2.bias. Nothing was loaded.");
  // The default advice is the C++ one; a shape mismatch names the file too; non-strict loads.
  EXPECT_CONTAINS(error_of([&] { io::load_state_dict(net, partial, {.origin = "w.safetensors"}); }), "Pass strict = false");
  EXPECT_CONTAINS(error_of([&] { io::load_state_dict(net, {{"layers.0.weight", soma::zeros({1})}}, {.origin = "w.safetensors"}, false); }),
                  "load 'w.safetensors': tensor 'layers.0.weight' has shape [5, 3] in the model but [1] in the input");
  EXPECT_EQ(io::load_state_dict(net, partial, {.origin = "w.safetensors"}, false).missing.size(), 3u);
}

TEST_F(IoWeights, NonStrictLoadsCommonNamesAndReportsTheRest) {
  auto net = mlp(1);
  const Tensor untouched = net.parameters()[2].copy();
  const io::LoadReport report = io::load_state_dict(
      net, {{"layers.0.weight", soma::full({5, 3}, 0.25)}, {"extra", soma::ones({2})}}, /*strict=*/false);
  EXPECT_EQ(report.missing, (std::vector<std::string>{"layers.0.bias", "layers.2.weight", "layers.2.bias"}));
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"extra"});
  EXPECT_TRUE(same_tensor(net.parameters()[0], soma::full({5, 3}, 0.25)));
  EXPECT_TRUE(same_tensor(net.parameters()[2], untouched));
}

TEST_F(IoWeights, ShapeMismatchNamesTensorAndBothShapes) {
  io::save(mlp(1, /*hidden=*/4), path("h4.safetensors"));
  auto net = mlp(2, /*hidden=*/5);
  const Tensor before = net.parameters()[0].copy();
  const std::string message = error_of([&] { io::load(net, path("h4.safetensors"), /*strict=*/false); });
  EXPECT_CONTAINS(message, "load '" + path("h4.safetensors") + "'");
  EXPECT_CONTAINS(message, "tensor 'layers.0.weight' has shape [5, 3] in the model but [4, 3] in the input");
  EXPECT_TRUE(same_tensor(net.parameters()[0], before));
}

TEST_F(IoWeights, DtypeMismatchIsAnErrorNotAConversion) {
  io::save(mlp(1, 5, DType::f64), path("f64.safetensors"));
  auto net = mlp(2, 5, DType::f32);
  const std::string message = error_of([&] { io::load(net, path("f64.safetensors")); });
  EXPECT_CONTAINS(message, "tensor 'layers.0.weight' is float32 in the model but float64 in the input");
}

TEST_F(IoWeights, MismatchInALaterLayerLeavesEarlierLayersUnchanged) {
  auto net = mlp(1);
  auto state = io::state_dict(mlp(2));
  state.back().second = soma::zeros({3});  // layers.2.bias has 2 elements
  const std::vector<Tensor> before = [&] {
    std::vector<Tensor> copies;
    for (const Tensor& p : net.parameters()) copies.push_back(p.copy());
    return copies;
  }();
  EXPECT_CONTAINS(error_of([&] { io::load_state_dict(net, state); }), "'layers.2.bias' has shape [2]");
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(same_tensor(net.parameters()[i], before[i]));
}

TEST_F(IoWeights, InputWithDuplicateNamesIsRejected) {
  auto net = mlp(1);
  EXPECT_CONTAINS(error_of([&] {
                    io::load_state_dict(net, {{"layers.0.bias", soma::zeros({5})}, {"layers.0.bias", soma::zeros({5})}},
                                        false);
                  }),
                  "two tensors named 'layers.0.bias'");
}

TEST_F(IoWeights, LoadingOwnStateDictIsHarmless) {
  auto net = mlp(1);
  const Tensor before = net.parameters()[0].copy();
  io::load_state_dict(net, io::state_dict(net));
  EXPECT_TRUE(same_tensor(net.parameters()[0], before));
}
