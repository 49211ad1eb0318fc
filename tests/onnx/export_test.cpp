// Tests of ONNX export (src/onnx/): every case of onnx_cases.h is exported, read back and
// passed through ONNX's checker with strict shape inference (libonnx, the code behind
// python3-onnx's onnx.checker), then run by onnxruntime (npm onnxruntime-node, one node process
// for all cases: run_onnxruntime.js), whose outputs must match soma's within 1e-5. The files are
// exported for a batch of 1 and run on larger batches. Also: the refusals, each one error naming
// the layer. One ctest runs this whole binary, so node starts once.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include "onnx_cases.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/dense.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/sequential.h"
#include "soma/onnx/export.h"
#include "support/tensor_testing.h"

namespace soma::onnx {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kTolerance = 1e-5;

void write_raw(const fs::path& file, const Tensor& t) {
  const Tensor c = t.copy();
  std::ofstream out(file, std::ios::binary);
  out.write(static_cast<const char*>(c.raw_data()), c.numel() * (t.dtype() == DType::i64 ? 8 : 4));
}

std::vector<float> read_floats(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// What a case gave: soma's outputs, the checker's verdict, onnxruntime's result.
struct Outcome {
  std::vector<Tensor> soma;
  std::string export_error, checker_error;
  Json onnxruntime;
};

// Exports every case, checks the files and runs them all in onnxruntime once, before the tests.
class OnnxRun : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("soma_onnx_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    Json manifest{{"cases", Json::array()}};
    for (test::OnnxCase& c : test::onnx_cases(SOMA_CONFIGS_DIR)) {
      Outcome& out = outcomes[c.name];
      try {
        prepare(c, out, manifest);
      } catch (const std::exception& e) {
        out.export_error = e.what();
      }
    }
    std::ofstream(dir_ / "manifest.json") << manifest.dump();
    const std::string command = "node '" SOMA_ONNX_RUNNER "' '" SOMA_ONNXRUNTIME_NODE "' '" + dir_.string() + "'";
    runner_status_ = std::system(command.c_str());
    for (auto& [name, out] : outcomes) {
      const fs::path result = dir_ / (name + ".result.json");
      if (fs::exists(result)) out.onnxruntime = Json::parse(std::ifstream(result));
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  static inline std::map<std::string, Outcome> outcomes;
  static inline fs::path dir_;
  static inline int runner_status_ = 0;

 private:
  // soma's outputs in evaluation mode (after one training pass, so batch norm has running
  // statistics of its own), the file, the checker, and the inputs for onnxruntime.
  static void prepare(test::OnnxCase& c, Outcome& out, Json& manifest) {
    NoGradGuard no_grad;
    auto* graph = dynamic_cast<nn::Graph*>(c.model.get());
    auto run = [&] {
      return graph ? graph->forward_all(c.inputs) : std::vector<Tensor>{c.model->forward(c.inputs[0])};
    };
    c.model->train();
    run();
    c.model->eval();
    out.soma = run();
    const fs::path model = dir_ / (c.name + ".onnx");
    export_onnx(*c.model, c.export_shapes, model.string());
    out.checker_error = check_file(model);
    Json inputs = Json::array();
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      const std::string file = c.name + ".in" + std::to_string(i) + ".bin";
      write_raw(dir_ / file, c.inputs[i]);
      const std::string name = graph ? graph->nodes()[graph->input_nodes()[i]].name : "input";
      inputs.push_back({{"name", name},
                        {"type", c.inputs[i].dtype() == DType::i64 ? "int64" : "float32"},
                        {"dims", std::vector<std::int64_t>(c.inputs[i].shape().begin(), c.inputs[i].shape().end())},
                        {"file", file}});
    }
    manifest["cases"].push_back({{"name", c.name}, {"model", model.filename().string()}, {"inputs", inputs}});
  }

  // ONNX's checker and strict shape inference on the file as written (what onnx.checker's
  // check_model(path, full_check=True) does).
  static std::string check_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    ::onnx::ModelProto model;
    if (!model.ParseFromIstream(&in)) return "not a ModelProto";
    try {
      ::onnx::checker::check_model(model);
      ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(),
                                           ::onnx::ShapeInferenceOptions(true, 1));
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
};

class ExportedLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportedLayer, MatchesOnnxruntime) {
  ASSERT_EQ(OnnxRun::runner_status_, 0) << "node tests/onnx/run_onnxruntime.js failed; is onnxruntime-node in "
                                        << SOMA_ONNXRUNTIME_NODE << "? (scripts/install-deps.sh installs it)";
  const Outcome& out = OnnxRun::outcomes.at(GetParam());
  ASSERT_EQ(out.export_error, "");
  EXPECT_EQ(out.checker_error, "");
  ASSERT_FALSE(out.onnxruntime.is_null()) << "onnxruntime wrote no result";
  ASSERT_FALSE(out.onnxruntime.contains("error")) << out.onnxruntime["error"];
  const Json& outputs = out.onnxruntime.at("outputs");
  ASSERT_EQ(outputs.size(), out.soma.size());
  for (std::size_t i = 0; i < out.soma.size(); ++i) {
    const Tensor expected = out.soma[i].to(DType::f64);
    EXPECT_EQ(outputs[i].at("dims").get<std::vector<std::int64_t>>(),
              std::vector<std::int64_t>(expected.shape().begin(), expected.shape().end()));
    const std::vector<float> got = read_floats(OnnxRun::dir_ / outputs[i].at("file").get<std::string>());
    ASSERT_EQ(static_cast<std::int64_t>(got.size()), expected.numel());
    double worst = 0, largest = 0;
    for (std::int64_t k = 0; k < expected.numel(); ++k) {
      worst = std::max(worst, std::fabs(double(got[k]) - expected.data<double>()[k]));
      largest = std::max(largest, std::fabs(expected.data<double>()[k]));
    }
    std::printf("[ onnx     ] %s output %zu: %lld values up to %.3g, max |soma - onnxruntime| = %.3g\n",
                GetParam().c_str(), i, static_cast<long long>(expected.numel()), largest, worst);
    EXPECT_LE(worst, kTolerance);
  }
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& c : test::onnx_cases(SOMA_CONFIGS_DIR)) names.push_back(c.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Onnx, ExportedLayer, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

// ---- refusals: one soma::Error naming the layer ----

class Custom : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Custom"; }
  Shape output_shape(const Shape& input) const override { return input; }
};

std::string export_error(nn::Module& model, const Shape& shape, const ExportOptions& options = {}) {
  return test::error_message([&] { export_onnx_bytes(model, {shape}, options); });
}

TEST(OnnxExport, UnknownLayerIsNamed) {
  nn::Sequential net{nn::Dense(4, 3), Custom()};
  const std::string m = export_error(net, {1, 4});
  EXPECT_NE(m.find("layers.1 (Custom) cannot be exported"), std::string::npos) << m;
}

TEST(OnnxExport, BatchNormWithoutRunningStatisticsIsRefused) {
  nn::Sequential net{nn::Dense(4, 3), nn::BatchNorm1d(3, {.track_running_stats = false})};
  const std::string m = export_error(net, {2, 4});
  EXPECT_NE(m.find("layers.1 (BatchNorm1d) cannot be exported"), std::string::npos) << m;
  EXPECT_NE(m.find("track_running_stats"), std::string::npos) << m;
}

TEST(OnnxExport, EmbeddingAfterAnotherLayerIsRefused) {
  nn::Sequential net{nn::Flatten(), nn::Embedding(5, 2)};
  const std::string m = export_error(net, {2, 3});
  EXPECT_NE(m.find("layers.1 (Embedding) cannot be exported"), std::string::npos) << m;
}

TEST(OnnxExport, Float64AndOldOpsetsAndWrongShapesAreRefused) {
  nn::Dense f64({.in = 4, .out = 3, .dtype = DType::f64});
  EXPECT_NE(export_error(f64, {1, 4}).find("float32"), std::string::npos);
  nn::Dense dense(4, 3);
  EXPECT_NE(export_error(dense, {1, 4}, {.opset = 13}).find("opset 17"), std::string::npos);
  EXPECT_NE(export_error(dense, {1, 4}, {.opset = 99}).find("knows opsets up to 17; got opset 99"), std::string::npos);
  const std::string m = export_error(dense, {1, 5});
  EXPECT_NE(m.find("expects 4 input features but receives 5"), std::string::npos) << m;
}

TEST(OnnxExport, FlattenOfTheBatchAxisNeedsAFixedBatch) {
  nn::Flatten all(0);
  const std::string m = export_error(all, {2, 3});
  EXPECT_NE(m.find("ONNX export: Flatten cannot be exported: it merges the batch axis"), std::string::npos) << m;
  EXPECT_NO_THROW(export_onnx_bytes(all, {{2, 3}}, {.dynamic_batch = false}));
}

TEST(OnnxExport, LeavesTheModelInItsMode) {
  nn::Sequential net{nn::Dense(4, 3), nn::BatchNorm1d(3)};
  net.train();
  export_onnx_bytes(net, {{2, 4}});
  EXPECT_TRUE(net.is_training());
  EXPECT_TRUE(net[1].is_training());
}

TEST(OnnxExport, UnwritablePathIsAnError) {
  nn::Dense dense(4, 3);
  const std::string m = test::error_message([&] { export_onnx(dense, Shape{1, 4}, "/nonexistent/dir/model.onnx"); });
  EXPECT_NE(m.find("/nonexistent/dir"), std::string::npos) << m;
}

}  // namespace
}  // namespace soma::onnx

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new soma::onnx::OnnxRun);
  return RUN_ALL_TESTS();
}
