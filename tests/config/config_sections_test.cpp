// The config sections that follow the library's newer parts: every augmentation transform,
// the recurrent, embedding, transposed-convolution, upsampling and TimeDistributed layers, the
// "kjv-text" data set (read from a small text file here) and the sequence cross-entropy loss;
// each with its defaults in the resolved config and its mistakes named by JSON path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>

#include "soma/config/experiment.h"
#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/ops/sequence_loss.h"
#include "support/tensor_testing.h"

namespace soma::config {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const Error& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "(no error)";
}

// ---- augment ----

std::string augment_error(const char* spec) {
  return error_of([&] {
    Json r;
    build_augment(Json::parse(spec), "augment", r);
  });
}

TEST(ConfigAugment, EveryTransformBuildsWithItsDefaults) {
  Json r;
  const auto transforms = build_augment(Json::parse(R"([
      {"type": "random_shift", "max_shift": 2},
      {"type": "random_crop", "size": 6, "padding": 1},
      "random_horizontal_flip",
      {"type": "random_rotation", "degrees": 10, "interpolation": "bilinear"},
      "gaussian_noise",
      {"type": "random_erasing", "value": "random"}])"),
                                        "augment", r);
  ASSERT_EQ(transforms.size(), 6u);
  EXPECT_EQ(r[0]["max_shift"], 2);
  EXPECT_EQ(r[1]["size"], 6);
  EXPECT_EQ(r[1]["fill"], 0.0);
  EXPECT_EQ(r[2]["p"], 0.5);
  EXPECT_EQ(r[3]["interpolation"], "bilinear");
  EXPECT_EQ(r[3]["fill"], 0.0);
  EXPECT_EQ(r[4]["std"], 0.1);
  EXPECT_EQ(r[4]["mean"], 0.0);
  EXPECT_EQ(r[5]["p"], 0.5);
  EXPECT_EQ(r[5]["scale"], Json::parse("[0.02, 0.33]"));
  EXPECT_EQ(r[5]["ratio"], Json::parse("[0.3, 3.3]"));
  EXPECT_EQ(r[5]["value"], "random");
  // Applied in order to a batch of 8x8 images: the crop's size comes out, the rest keep it.
  Generator gen(3);
  data::Batch batch{ones({2, 1, 8, 8}), zeros({2}, DType::i64)};
  for (const auto& t : transforms) batch = t(batch, gen);
  EXPECT_EQ(batch.x.shape(), Shape({2, 1, 6, 6}));
}

TEST(ConfigAugment, MistakesNameTheTransformsPath) {
  EXPECT_EQ(augment_error(R"([{"type": "random_shift"}])"),
            "augment[0].max_shift: missing; expected an integer >= 0");
  EXPECT_EQ(augment_error(R"(["random_horizontal_flip", {"type": "random_rotation", "degrees": 200}])"),
            "augment[1].degrees: expected a number in [0, 180], got 200");
  EXPECT_EQ(augment_error(R"([{"type": "random_rotation", "degrees": 5, "interpolation": "cubic"}])"),
            "augment[0].interpolation: expected one of \"nearest\", \"bilinear\", got \"cubic\"");
  EXPECT_EQ(augment_error(R"([{"type": "random_crop", "size": "28x28"}])"),
            "augment[0].size: expected a positive integer or a list of two, got \"28x28\"");
  EXPECT_EQ(augment_error(R"([{"type": "gaussian_noise", "std": -1}])"),
            "augment[0].std: expected a number >= 0, got -1");
  EXPECT_EQ(augment_error(R"([{"type": "random_erasing", "scale": [0.5, 0.1]}])"),
            "augment[0].scale: expected [low, high] with low <= high, each a number in [0, 1], got [0.5,0.1]");
  EXPECT_EQ(augment_error(R"([{"type": "random_erasing", "value": "noise"}])"),
            "augment[0].value: expected a number or \"random\", got \"noise\"");
  EXPECT_EQ(augment_error(R"([{"type": "random_shift", "max_shift": 1, "p": 0.5}])"),
            "augment[0].p: unknown option of random_shift; expected one of type, max_shift");
  EXPECT_EQ(augment_error(R"(["random_zoom"])").rfind("augment[0].type: expected one of \"random_horizontal_flip\", "
                                                       "\"random_shift\", \"random_crop\", ",
                                                       0),
            0u)
      << augment_error(R"(["random_zoom"])");
}

// ---- layers ----

struct Built {
  BuiltModel model;
  Json resolved;
};

Built model_of(const char* spec) {
  Built b;
  Generator gen(0);
  b.model = build_model(Json::parse(spec), "model", {}, DType::f32, gen, b.resolved);
  return b;
}

std::string model_error(const char* spec) {
  return error_of([&] { model_of(spec); });
}

using Dims = std::vector<std::int64_t>;

TEST(ConfigLayers, RecurrentLayersOnSequences) {
  const Built b = model_of(R"({"input_shape": [5, 3], "layers": [
      {"type": "LSTM", "hidden_size": 4, "num_layers": 2},
      {"type": "Dense", "out": 6},
      {"type": "RNN", "hidden_size": 3, "nonlinearity": "relu"},
      {"type": "GRU", "hidden_size": 2, "return_sequences": false}]})");
  ASSERT_EQ(b.model.layers.size(), 4u);
  EXPECT_EQ(b.model.layers[0].output_shape, (Dims{5, 4}));
  EXPECT_EQ(b.model.layers[1].output_shape, (Dims{5, 6}));  // a per-step Dense
  EXPECT_EQ(b.model.layers[2].output_shape, (Dims{5, 3}));
  EXPECT_EQ(b.model.layers[3].output_shape, (Dims{2}));  // the last step only
  EXPECT_EQ(b.model.output_shape, (Dims{2}));
  // PyTorch's parameter count: per layer 4H(F + H) + 8H for an LSTM.
  EXPECT_EQ(b.model.layers[0].parameters, 4 * 4 * (3 + 4) + 8 * 4 + 4 * 4 * (4 + 4) + 8 * 4);
  EXPECT_EQ(b.resolved["layers"][0]["input_size"], 3);
  EXPECT_EQ(b.resolved["layers"][0]["return_sequences"], true);
  EXPECT_EQ(b.resolved["layers"][1]["in"], 4);
  EXPECT_EQ(b.resolved["layers"][2]["nonlinearity"], "relu");
  EXPECT_EQ(b.resolved["layers"][3]["num_layers"], 1);
  // Data flows as the shapes say.
  const Tensor y = (*b.model.model)(ones({2, 5, 3}));
  EXPECT_EQ(y.shape(), Shape({2, 2}));
}

TEST(ConfigLayers, RecurrentMistakes) {
  EXPECT_EQ(model_error(R"({"input_shape": [12], "layers": [{"type": "LSTM", "hidden_size": 4}]})"),
            "model.layers[0]: LSTM expects examples of shape [steps, features], but its input has shape [12]");
  EXPECT_EQ(model_error(R"({"input_shape": [5, 3], "layers": [{"type": "GRU", "hidden_size": 4, "input_size": 2}]})"),
            "model.layers[0].input_size: expected 3 (the features per step reaching this layer), got 2");
  EXPECT_EQ(model_error(R"({"input_shape": [5, 3], "layers": [{"type": "RNN", "hidden_size": 4, "nonlinearity": "sigmoid"}]})"),
            "model.layers[0].nonlinearity: expected one of \"tanh\", \"relu\", got \"sigmoid\"");
  EXPECT_EQ(model_error(R"({"input_shape": [5, 3], "layers": [{"type": "LSTM", "hidden_size": 4, "nonlinearity": "relu"}]})")
                .rfind("model.layers[0].nonlinearity: unknown option of LSTM; expected one of ", 0),
            0u);
  EXPECT_EQ(model_error(R"({"input_shape": [5, 3], "layers": [{"type": "LSTM"}]})"),
            "model.layers[0].hidden_size: missing; expected a positive integer");
  EXPECT_EQ(model_error(R"({"input_shape": [4, 5, 3], "layers": [{"type": "Dense", "out": 2}]})"),
            "model.layers[0]: Dense expects examples of shape [features] or [steps, features], but its input has "
            "shape [4, 5, 3] (put a Flatten layer before it)");
}

TEST(ConfigLayers, EmbeddingFeedsAnLstmWithIds) {
  const Built b = model_of(R"({"input_shape": [6], "layers": [
      {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 8, "padding_idx": 0},
      {"type": "LSTM", "hidden_size": 5},
      {"type": "Linear", "out": 10}]})");
  EXPECT_EQ(b.model.layers[0].output_shape, (Dims{6, 8}));
  EXPECT_EQ(b.model.layers[0].parameters, 80);
  EXPECT_EQ(b.model.output_shape, (Dims{6, 10}));
  EXPECT_EQ(b.resolved["layers"][0]["padding_idx"], 0);
  const Tensor ids = from_data(std::vector<std::int64_t>{1, 2, 3, 4, 5, 9}, {1, 6});
  EXPECT_EQ((*b.model.model)(ids).shape(), Shape({1, 6, 10}));
  EXPECT_EQ(model_error(R"({"input_shape": [6], "layers": [{"type": "Embedding", "num_embeddings": 10}]})"),
            "model.layers[0].embedding_dim: missing; expected a positive integer");
  EXPECT_EQ(model_error(R"({"input_shape": [6, 2], "layers": [{"type": "Embedding", "num_embeddings": 10, "embedding_dim": 2}]})"),
            "model.layers[0]: Embedding expects examples of shape [steps] (int64 ids), but its input has shape [6, 2]");
}

TEST(ConfigLayers, TransposedConvolutionAndUpsample) {
  const Built b = model_of(R"({"input_shape": [4, 7, 7], "layers": [
      {"type": "ConvTranspose2d", "out": 2, "kernel": 4, "stride": 2, "padding": 1},
      {"type": "Upsample", "scale_factor": 2},
      {"type": "Upsample", "size": [30, 20], "mode": "bilinear"}]})");
  EXPECT_EQ(b.model.layers[0].output_shape, (Dims{2, 14, 14}));
  EXPECT_EQ(b.model.layers[0].parameters, 4 * 2 * 4 * 4 + 2);
  EXPECT_EQ(b.model.layers[1].output_shape, (Dims{2, 28, 28}));
  EXPECT_EQ(b.model.layers[2].output_shape, (Dims{2, 30, 20}));
  EXPECT_EQ(b.resolved["layers"][0]["in"], 4);
  EXPECT_EQ(b.resolved["layers"][0]["output_padding"], 0);
  EXPECT_EQ(b.resolved["layers"][1]["mode"], "nearest");
  EXPECT_EQ(b.resolved["layers"][2]["align_corners"], false);
  EXPECT_EQ(model_error(R"({"input_shape": [4, 7, 7], "layers": [{"type": "Upsample", "scale_factor": "2x"}]})"),
            "model.layers[0].scale_factor: expected a number > 0 or a list of two (or give \"size\"), got \"2x\"");
  EXPECT_EQ(model_error(R"({"input_shape": [4, 7, 7], "layers": [{"type": "Upsample", "size": 9, "scale_factor": 2}]})"),
            "model.layers[0].scale_factor: give either \"size\" or \"scale_factor\", not both");
  EXPECT_EQ(model_error(R"({"input_shape": [4, 7, 7], "layers": [{"type": "Upsample"}]})"),
            "model.layers[0].scale_factor: missing; expected a number > 0 or a list of two (or give \"size\")");
  EXPECT_EQ(model_error(R"({"input_shape": [4, 7, 7], "layers": [{"type": "ConvTranspose2d", "kernel": 3}]})"),
            "model.layers[0].out: missing; expected a positive integer");
  EXPECT_EQ(model_error(R"({"input_shape": [28], "layers": [{"type": "ConvTranspose2d", "out": 1, "kernel": 3}]})")
                .rfind("model.layers[0]: ConvTranspose2d expects examples of shape [channels, height, width]", 0),
            0u);
}

TEST(ConfigLayers, TimeDistributedBuildsItsLayerForOneStep) {
  const Built b = model_of(R"({"input_shape": [3, 1, 8, 8], "layers": [
      {"type": "TimeDistributed", "layer": {"type": "Conv2d", "out": 2, "kernel": 3}},
      {"type": "TimeDistributed", "layer": "Flatten"},
      {"type": "GRU", "hidden_size": 4, "return_sequences": false}]})");
  EXPECT_EQ(b.model.layers[0].output_shape, (Dims{3, 2, 6, 6}));
  EXPECT_EQ(b.model.layers[1].output_shape, (Dims{3, 72}));
  EXPECT_EQ(b.model.output_shape, (Dims{4}));
  EXPECT_EQ(b.resolved["layers"][0]["layer"]["in"], 1);
  EXPECT_EQ(b.resolved["layers"][0]["layer"]["stride"], 1);
  EXPECT_EQ(model_error(R"({"input_shape": [3, 1, 8, 8], "layers": [{"type": "TimeDistributed", "layer": {"type": "Conv2d", "out": 2, "kernel": "3x3"}}]})"),
            "model.layers[0].layer.kernel: expected a positive integer or a list of two, got \"3x3\"");
  EXPECT_EQ(model_error(R"({"input_shape": [3, 1, 8, 8], "layers": [{"type": "TimeDistributed"}]})"),
            "model.layers[0].layer: missing; expected the layer applied at every step, like {\"type\": \"Conv2d\", ...}");
  EXPECT_EQ(model_error(R"({"input_shape": [8], "layers": [{"type": "TimeDistributed", "layer": "ReLU"}]})"),
            "model.layers[0]: TimeDistributed expects examples of shape [steps, ...], but its input has shape [8]");
}

// ---- kjv-text data and the sequence loss ----

class ConfigText : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("soma_config_text_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    file_ = (dir_ / "text.txt").string();
    std::ofstream(file_) << "abcabcabcabcabcabcabcdd";  // 23 characters, vocabulary a b c d
  }
  void TearDown() override { fs::remove_all(dir_); }
  Json data(const char* options) const {
    Json d = Json::parse(options);
    d["dataset"] = "kjv-text";
    d["file"] = file_;
    return d;
  }
  fs::path dir_;
  std::string file_;
};

TEST_F(ConfigText, CharactersBecomeSequencesWithNextCharacterTargets) {
  Json r;
  const DataSets d = build_data(data(R"({"sequence_length": 4, "train_chars": 13, "valid_chars": 10})"), "data", ".", r);
  // 13 training characters: (13 - 4 - 1) / 4 + 1 = 3 sequences of 4; 10 validation: 2.
  ASSERT_EQ(d.train->x().shape(), Shape({3, 4}));
  EXPECT_EQ(d.train->x().dtype(), DType::i64);
  // "abca" -> "bcab", "bcab" -> "cabc", "cabc" -> "abca" (ids a 0, b 1, c 2, d 3).
  EXPECT_EQ(test::values(d.train->x()), (std::vector<double>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(test::values(d.train->y()), (std::vector<double>{1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}));
  ASSERT_TRUE(d.test);
  EXPECT_EQ(d.test->x().shape(), Shape({2, 4}));
  // The last 10 characters "bcabcabcdd": "bcab" -> "cabc", "cabc" -> "abcd".
  EXPECT_EQ(test::values(d.test->y()), (std::vector<double>{2, 0, 1, 2, 0, 1, 2, 3}));
  EXPECT_EQ(d.input_shape, (Dims{4}));
  EXPECT_EQ(d.num_classes, 4);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(r["stride"], 4);
  EXPECT_EQ(r["one_hot"], false);
  // Overlapping sequences and one-hot inputs.
  const DataSets h = build_data(data(R"({"sequence_length": 4, "stride": 1, "train_chars": 13, "valid_chars": 0, "one_hot": true})"),
                                "data", ".", r);
  EXPECT_EQ(h.train->x().shape(), Shape({9, 4, 4}));
  EXPECT_EQ(h.train->x().dtype(), DType::f32);
  EXPECT_FALSE(h.test);
}

TEST_F(ConfigText, MistakesNameTheDataPath) {
  auto error = [&](const Json& spec) {
    return error_of([&] {
      Json r;
      build_data(spec, "data", ".", r);
    });
  };
  Json missing = data("{}");
  missing["file"] = (dir_ / "none.txt").string();
  EXPECT_EQ(error(missing).rfind("data.file: cannot read '" + (dir_ / "none.txt").string() + "'", 0), 0u)
      << error(missing);
  EXPECT_EQ(error(data(R"({"train_chars": 20, "valid_chars": 10})")),
            "data.train_chars: expected train_chars + valid_chars <= 23 (the characters of '" + file_ + "'), got 30");
  EXPECT_EQ(error(data(R"({"sequence_length": 12, "train_chars": 12, "valid_chars": 0})")),
            "data.train_chars: expected more than sequence_length = 12 characters, got 12");
  EXPECT_EQ(error(data(R"({"sequence_length": 0})")), "data.sequence_length: expected a positive integer, got 0");
}

TEST_F(ConfigText, CharacterModelTrainsWithSequenceCrossEntropy) {
  Json c;
  c["data"] = data(R"({"sequence_length": 4, "train_chars": 13, "valid_chars": 10})");
  c["model"] = Json::parse(R"([{"type": "Embedding", "num_embeddings": 4, "embedding_dim": 3},
                               {"type": "LSTM", "hidden_size": 5}, {"type": "Dense", "out": 4}])");
  c["loss"] = Json::parse(R"({"type": "sequence_cross_entropy", "ignore_index": 3})");
  Experiment e = build_experiment(c);
  EXPECT_EQ(e.loss->name(), "sequence_cross_entropy");
  EXPECT_EQ(e.resolved["loss"]["reduction"], "mean");
  EXPECT_EQ(e.resolved["loss"]["ignore_index"], 3);
  const Tensor x = e.data.test->x(), y = e.data.test->y();
  const Tensor logits = (*e.model.model)(x);
  EXPECT_EQ(logits.shape(), Shape({2, 4, 4}));
  EXPECT_DOUBLE_EQ((*e.loss)(logits, y).item(), sequence_cross_entropy(logits, y, {.ignore_index = 3}).item());

  Json bad = c;
  bad["loss"] = Json::parse(R"({"type": "sequence_cross_entropy", "ignore_index": "pad"})");
  EXPECT_EQ(error_of([&] { build_experiment(bad); }), "loss.ignore_index: expected an integer, got \"pad\"");
}

}  // namespace
}  // namespace soma::config
