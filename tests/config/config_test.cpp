// The config layer: every kind of mistake gives one message naming the JSON path, and a good
// config builds the objects it describes with its defaults recorded in the resolved config.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "soma/config/experiment.h"
#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/data/npy.h"
#include "soma/nn/dense.h"
#include "soma/nn/graph.h"
#include "soma/nn/sequential.h"
#include "soma/optim/sgd.h"
#include "support/tensor_testing.h"

namespace soma::config {
namespace {

// A tiny valid config on inline data: 4 examples of 2 features, labels 0/1.
Json tiny() {
  return Json::parse(R"({
    "data": {"train": {"x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0]}},
    "model": {"layers": [{"type": "Dense", "out": 3}, "ReLU", {"type": "Dense", "out": 2}]},
    "optimizer": {"type": "sgd", "lr": 0.1}
  })");
}

std::string build_error(const Json& config) {
  try {
    build_experiment(config);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const Error& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "(no error)";
}

TEST(ConfigBuild, TinyConfigBuildsWithDefaultsFilledIn) {
  Experiment e = build_experiment(tiny());
  EXPECT_EQ(e.data.train->size(), 4);
  EXPECT_EQ(e.data.num_classes, 2);
  EXPECT_EQ(e.data.train->y().dtype(), DType::i64);
  ASSERT_EQ(e.model.layers.size(), 3u);
  EXPECT_EQ(e.model.layers[0].output_shape, std::vector<std::int64_t>{3});
  EXPECT_EQ(e.model.layers[0].parameters, 2 * 3 + 3);
  EXPECT_EQ(dynamic_cast<nn::Sequential&>(*e.model.model).at<nn::Dense>(0).options().in, 2);  // from the data
  EXPECT_EQ(e.optimizer->name(), "SGD");
  EXPECT_DOUBLE_EQ(e.optimizer->lr(), 0.1);
  EXPECT_EQ(e.loss->name(), "cross_entropy");  // the default loss
  // The resolved config holds the inferred and default values.
  EXPECT_EQ(e.resolved["model"]["layers"][0]["in"], 2);
  EXPECT_EQ(e.resolved["model"]["layers"][0]["bias"], true);
  EXPECT_EQ(e.resolved["model"]["layers"][1]["type"], "ReLU");
  EXPECT_EQ(e.resolved["model"]["input_shape"], Json::array({2}));
  EXPECT_EQ(e.resolved["optimizer"]["momentum"], 0.0);
  EXPECT_EQ(e.resolved["batch_size"], 64);
  EXPECT_EQ(e.resolved["epochs"], 1);
  EXPECT_EQ(e.resolved["loss"]["reduction"], "mean");
  EXPECT_EQ(e.resolved["clip_grad_norm"], 0.0);
  EXPECT_EQ(e.settings.clip_grad_value, 0.0);
}

TEST(ConfigBuild, GradientClippingSettings) {
  Json c = tiny();
  c["clip_grad_norm"] = 1.5;
  c["clip_grad_value"] = 0.25;
  const Experiment e = build_experiment(c);
  EXPECT_EQ(e.settings.clip_grad_norm, 1.5);
  EXPECT_EQ(e.settings.clip_grad_value, 0.25);
  c["clip_grad_norm"] = -1;
  EXPECT_EQ(build_error(c), "clip_grad_norm: expected a number >= 0, got -1");
  c["clip_grad_norm"] = "1";
  EXPECT_EQ(build_error(c).rfind("clip_grad_norm: expected a number", 0), 0u) << build_error(c);
}

TEST(ConfigBuild, ResolvedConfigBuildsTheSameRun) {
  const Experiment first = build_experiment(tiny());
  const Experiment again = build_experiment(first.resolved);
  EXPECT_EQ(again.resolved, first.resolved);
  // Same seed, same weights.
  EXPECT_EQ(test::values(again.model.model->parameters()[0]), test::values(first.model.model->parameters()[0]));
}

TEST(ConfigBuild, TheSeedAloneFixesTheModelAndTheDefaultGeneratorIsLeftAlone) {
  Json c = tiny();
  c["seed"] = 5;
  c["model"]["layers"] = Json::parse(R"([{"type": "Dense", "out": 8}, "ReLU", {"type": "Dropout", "p": 0.5},
                                          {"type": "Dense", "out": 2}])");
  manual_seed(1);
  const std::string before = default_generator().state();
  const Experiment first = build_experiment(c);
  EXPECT_EQ(default_generator().state(), before) << "build_experiment neither draws from nor reseeds it";
  default_generator().normal();  // disturbed between the builds
  const Experiment again = build_experiment(c);
  const auto p1 = first.model.model->parameters(), p2 = again.model.model->parameters();
  ASSERT_EQ(p1.size(), p2.size());
  for (std::size_t i = 0; i < p1.size(); ++i) EXPECT_EQ(test::values(p1[i]), test::values(p2[i])) << i;
  const auto g1 = first.model.model->named_generators(), g2 = again.model.model->named_generators();
  ASSERT_EQ(g1.size(), 1u);
  EXPECT_EQ(g1[0].first, "layers.2.generator");
  EXPECT_EQ(g1[0].second->state(), g2[0].second->state());
  EXPECT_NE(g1[0].second, g2[0].second) << "each model owns its generator";
  // Another seed, other weights; build_model_only builds the run's model from the resolved seed.
  c["seed"] = 6;
  EXPECT_NE(test::values(build_experiment(c).model.model->parameters()[0]), test::values(p1[0]));
  EXPECT_EQ(test::values(build_model_only(first.resolved).model->parameters()[0]), test::values(p1[0]));
}

TEST(ConfigBuild, LayerTypesMatchWithoutCaseAndLinearIsDense) {
  Json c = tiny();
  c["model"]["layers"][0]["type"] = "linear";
  c["model"]["layers"][1] = "relu";
  const Experiment e = build_experiment(c);
  EXPECT_EQ(e.resolved["model"]["layers"][0]["type"], "Dense");
  EXPECT_EQ(e.resolved["model"]["layers"][1]["type"], "ReLU");
}

TEST(ConfigBuild, ConvolutionalModelInfersChannelsAndShapes) {
  Json c = Json::parse(R"({
    "data": {"train": {"x": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], "y": [1]}, "input_shape": [1, 4, 4]},
    "model": [{"type": "Conv2d", "out": 4, "kernel": 3, "padding": "same"}, {"type": "BatchNorm2d"},
              {"type": "MaxPool2d", "kernel": 2}, "Flatten", {"type": "Dense", "out": 3}]
  })");
  const Experiment e = build_experiment(c);
  EXPECT_EQ(e.model.layers[0].output_shape, (std::vector<std::int64_t>{4, 4, 4}));
  EXPECT_EQ(e.model.layers[2].output_shape, (std::vector<std::int64_t>{4, 2, 2}));
  EXPECT_EQ(e.resolved["model"]["layers"][1]["num_features"], 4);
  EXPECT_EQ(e.resolved["model"]["layers"][2]["stride"], 2);  // defaults to the kernel
  EXPECT_EQ(e.resolved["model"]["layers"][4]["in"], 16);
  EXPECT_EQ(e.model.layers[0].flops, 4 * 4 * 4 * 9);  // multiply-adds
}

TEST(ConfigErrors, UnknownLayerType) {
  Json c = tiny();
  c["model"]["layers"][2]["type"] = "Dens";
  EXPECT_EQ(build_error(c).rfind("model.layers[2].type: unknown layer type \"Dens\"; expected one of ", 0), 0u)
      << build_error(c);
}

TEST(ConfigErrors, UnknownOptionListsTheKnownOnes) {
  Json c = tiny();
  c["model"]["layers"][0]["outs"] = 3;
  EXPECT_EQ(build_error(c),
            "model.layers[0].outs: unknown option of Dense; expected one of type, in, out, bias, kernel_regularizer, "
            "bias_regularizer, activation, name");
  Json top = tiny();
  top["epoch"] = 3;
  EXPECT_EQ(build_error(top).rfind("epoch: unknown option of the config; expected one of name, seed, ", 0), 0u)
      << build_error(top);
}

TEST(ConfigErrors, WrongTypeNamesPathExpectationAndValue) {
  Json c = Json::parse(R"({
    "data": {"train": {"x": [[0, 0, 0, 0]], "y": [1]}, "input_shape": [1, 2, 2]},
    "model": [{"type": "Conv2d", "out": 2, "kernel": "3x3"}]
  })");
  EXPECT_EQ(build_error(c), "model.layers[0].kernel: expected a positive integer or a list of two, got \"3x3\"");
  Json lr = tiny();
  lr["optimizer"]["lr"] = -1;
  EXPECT_EQ(build_error(lr), "optimizer.lr: expected a number >= 0, got -1");
  Json batch = tiny();
  batch["batch_size"] = 2.5;
  EXPECT_EQ(build_error(batch), "batch_size: expected a positive integer, got 2.5");
  Json flag = tiny();
  flag["shuffle"] = "yes";
  EXPECT_EQ(build_error(flag), "shuffle: expected true or false, got \"yes\"");
  Json loss = tiny();
  loss["loss"] = "crossentropy";
  EXPECT_EQ(build_error(loss).rfind("loss.type: expected one of \"cross_entropy\", \"mse\"", 0), 0u) << build_error(loss);
}

TEST(ConfigErrors, MissingField) {
  Json c = tiny();
  c["model"]["layers"][2].erase("out");
  EXPECT_EQ(build_error(c), "model.layers[2].out: missing; expected a positive integer");
  Json no_model = tiny();
  no_model.erase("model");
  EXPECT_EQ(build_error(no_model), "model: missing; expected {\"layers\": [...]}");
  Json no_type = tiny();
  no_type["model"]["layers"][0].erase("type");
  EXPECT_EQ(build_error(no_type), "model.layers[0].type: missing; expected a layer type such as \"Dense\"");
}

TEST(ConfigErrors, ShapeMismatchNamesTheLayerAndTheShapeReachingIt) {
  Json in = tiny();
  in["model"]["layers"][2]["in"] = 5;
  EXPECT_EQ(build_error(in), "model.layers[2].in: expected 3 (the features reaching this layer), got 5");
  Json conv = tiny();
  conv["model"]["layers"][0] = Json::parse(R"({"type": "Conv2d", "out": 2, "kernel": 3})");
  EXPECT_EQ(build_error(conv).rfind("model.layers[0]: Conv2d expects examples of shape [channels, height, width], "
                                    "but its input has shape [2]",
                                    0),
            0u)
      << build_error(conv);
  Json pool = Json::parse(R"({
    "data": {"train": {"x": [[0, 0, 0, 0]], "y": [1]}, "input_shape": [1, 2, 2]},
    "model": [{"type": "MaxPool2d", "kernel": 3}]
  })");
  const std::string message = build_error(pool);
  EXPECT_EQ(message.rfind("model.layers[0]: ", 0), 0u) << message;
  EXPECT_NE(message.find("(the input reaching MaxPool2d has shape [1, 2, 2] per example)"), std::string::npos)
      << message;
  Json flat = tiny();
  flat["data"]["input_shape"] = Json::array({3});
  EXPECT_EQ(build_error(flat), "data.input_shape: expected 2 values per example (the data's), got [3] = 3");
}

TEST(ConfigErrors, MissingOrUnreadableDataFile) {
  Json c = tiny();
  c["data"]["train"] = Json::parse(R"({"csv": "/nonexistent/train.csv", "label_column": "label"})");
  const std::string message = build_error(c);
  EXPECT_EQ(message.rfind("data.train.csv: ", 0), 0u) << message;
  EXPECT_NE(message.find("/nonexistent/train.csv"), std::string::npos) << message;

  const auto dir = std::filesystem::temp_directory_path() / "soma_config_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bad.npy") << "not an npy file";
  Json npy = tiny();
  npy["data"]["train"]["x"] = "bad.npy";
  try {
    build_experiment(npy, {.base_dir = dir.string()});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("data.train.x: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "bad.npy").string()), std::string::npos) << e.what();
  }
}

TEST(ConfigData, CsvWithLabelColumnRelativeToTheConfigFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "soma_config_csv";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "train.csv") << "a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";
  Json c = tiny();
  c["data"] = Json::parse(R"({"train": {"csv": "train.csv", "label_column": "label"}, "test": {"csv": "train.csv",
                             "label_column": 2}, "limit": 3, "scale": 2})");
  const Experiment e = build_experiment(c, {.base_dir = dir.string()});
  EXPECT_EQ(e.data.train->size(), 3);
  EXPECT_EQ(e.data.test->size(), 4);
  EXPECT_EQ(test::values(e.data.train->x()), (std::vector<double>{0, 0, 0, 2, 2, 0}));
  EXPECT_EQ(e.resolved["data"]["train"]["csv"], (dir / "train.csv").string());  // absolute
}

TEST(ConfigErrors, InlineDataMustBeRectangular) {
  Json c = tiny();
  c["data"]["train"]["x"][2] = Json::array({1});
  EXPECT_EQ(build_error(c), "data.train.x[2]: expected a list of 2 (every row the same length), got [1]");
  Json counts = tiny();
  counts["data"]["train"]["y"] = Json::array({0, 1});
  EXPECT_EQ(build_error(counts), "data.train: x has 4 examples but y has 2");
}

TEST(ConfigErrors, BadJsonSyntaxGivesLineAndColumn) {
  EXPECT_EQ(test::error_message([] { parse_json("{\n  \"epochs\": 1,\n  \"seed\" 2\n}", "c.json"); })
                .rfind("c.json:3:10: invalid JSON: ", 0),
            0u)
      << test::error_message([] { parse_json("{\n  \"epochs\": 1,\n  \"seed\" 2\n}", "c.json"); });
  EXPECT_EQ(test::error_message([] { read_json_file("/nonexistent/c.json"); }),
            "/nonexistent/c.json: cannot read the config file: No such file or directory");
}

// A config nested 40,000 levels deep overflowed the stack when the tree was copied; the limit
// is checked while reading, before any tree exists.
TEST(ConfigErrors, DeepNestingIsRefusedBeforeAnyTreeIsBuilt) {
  const std::string deep = "{\"model\": " + std::string(40000, '[') + std::string(40000, ']') + "}";
  std::string path = "model";
  for (std::size_t i = 0; i + 1 < kMaxJsonDepth; ++i) path += "[0]";
  EXPECT_EQ(test::error_message([&] { parse_json(deep, "deep.json"); }),
            "deep.json:1:110: " + path.substr(0, 80) +
                "...: nested deeper than 100 levels of objects and arrays; expected at most 100");
  std::string ok = "{\"a\": " + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_NO_THROW(parse_json(ok, "ok.json"));
}

TEST(ConfigErrors, DuplicateKeysAreRefusedWithTheirPlaceAndPath) {
  EXPECT_EQ(test::error_message([] {
              parse_json(R"({"model": {"layers": [{"type": "Dense", "out": 5, "out": 500}]}})", "c.json");
            }),
            "c.json:1:51: model.layers[0].out: given twice; expected each key once in an object");
  // The line and column of the second key, past strings that look like keys and escaped quotes.
  EXPECT_EQ(test::error_message([] {
              parse_json("{\"name\": \"a\\\": b\",\n \"x\": {\"k\": 1,\n   \"k\" : 2}}", "c.json");
            }),
            "c.json:3:4: x.k: given twice; expected each key once in an object");
  // The same key in two objects is fine.
  EXPECT_NO_THROW(parse_json(R"({"a": {"out": 1}, "b": {"out": 2}})", "c.json"));
}

TEST(ConfigErrors, NumberOutOfRangeNamesFileLineAndPath) {
  EXPECT_EQ(test::error_message([] { parse_json("{\n  \"optimizer\": {\"lr\": 1e999}\n}", "c.json"); }),
            "c.json:2:23: invalid JSON: optimizer.lr: the number 1e999 is out of range; expected a finite "
            "number (at most about 1.8e308)");
}

TEST(ConfigErrors, LongTokensAreCutInMessages) {
  const std::string name(1'000'000, 'x');  // a 10 MB one was echoed whole
  const std::string message = test::error_message([&] { parse_json("{\"name\": \"" + name, "c.json"); });
  EXPECT_LT(message.size(), 400u) << message.substr(0, 400);
  EXPECT_EQ(message.rfind("c.json:1:", 0), 0u) << message.substr(0, 400);
  EXPECT_NE(message.find("invalid JSON: name: "), std::string::npos) << message.substr(0, 400);
}

TEST(ConfigErrors, ATopLevelThatIsNotAnObjectNamesTheFile) {
  EXPECT_EQ(test::error_message([] { parse_json("[1, 2]", "c.json"); }),
            "c.json: expected a JSON object {...} at the top, got [1,2]");
}

TEST(ConfigErrors, ValueOfTheWrongTypeNamesThePathNotNlohmann) {
  const Json run = Json::parse(R"({"seconds": "ten"})");
  EXPECT_EQ(test::error_message([&] { value_or(run, "run.json", "seconds", 0.0, "a number of seconds"); }),
            "run.json.seconds: expected a number of seconds, got \"ten\"");
  EXPECT_EQ(value_or(run, "run.json", "missing", 2.5, "a number"), 2.5);
}

TEST(ConfigErrors, ThreadsBeyondTheLimitAreRefused) {
  Json c = tiny();
  c["threads"] = 100000;
  EXPECT_EQ(build_error(c), "threads: expected an integer from 0 (all cores) to 1024, got 100000");
}

TEST(ConfigBuild, ScheduleCallbacksAndAugment) {
  Json c = tiny();
  c["schedule"] = Json::parse(R"({"type": "step", "step_size": 2})");
  c["callbacks"] = Json::parse(R"([{"type": "early_stopping", "patience": 1}, "checkpoint"])");
  c["augment"] = Json::parse(R"([{"type": "random_horizontal_flip"}])");
  const Experiment e = build_experiment(c, {.run_dir = "/tmp/run"});
  EXPECT_TRUE(e.scheduler);
  EXPECT_EQ(e.callbacks.size(), 3u);  // the schedule's, early stopping, checkpoint
  EXPECT_EQ(e.augment.size(), 1u);
  EXPECT_EQ(e.resolved["schedule"]["gamma"], 0.1);
  EXPECT_EQ(e.resolved["callbacks"][1]["file"], "best.safetensors");
  EXPECT_EQ(e.resolved["augment"][0]["p"], 0.5);
  Json bad = tiny();
  bad["schedule"] = Json::parse(R"({"type": "step"})");
  EXPECT_EQ(build_error(bad), "schedule.step_size: missing; expected a positive integer");
  Json betas = tiny();
  betas["optimizer"] = Json::parse(R"({"type": "adam", "betas": [0.9, 1.5]})");
  EXPECT_EQ(build_error(betas).rfind("optimizer: ", 0), 0u) << build_error(betas);
}

// onecycle is a per-batch callback, not an epoch scheduler; its errors name the key.
TEST(ConfigBuild, OneCycleSchedule) {
  Json c = tiny();
  c["optimizer"] = "adam";
  c["schedule"] = Json::parse(R"({"type": "onecycle", "max_lr": 0.01, "anneal_strategy": "linear"})");
  const Experiment e = build_experiment(c, {.run_dir = "/tmp/run"});
  EXPECT_FALSE(e.scheduler);
  ASSERT_EQ(e.callbacks.size(), 1u);
  EXPECT_EQ(e.callbacks[0]->name(), "OneCycleLR");
  EXPECT_EQ(e.resolved["schedule"]["total_steps"], 0);
  EXPECT_EQ(e.resolved["schedule"]["anneal_strategy"], "linear");
  Json bad = c;
  bad["schedule"] = Json::parse(R"({"type": "onecycle"})");
  EXPECT_EQ(build_error(bad).rfind("schedule.max_lr: missing", 0), 0u) << build_error(bad);
  bad["schedule"] = Json::parse(R"({"type": "onecycle", "max_lr": 0.01, "anneal_strategy": "square"})");
  EXPECT_EQ(build_error(bad).rfind("schedule.anneal_strategy: ", 0), 0u) << build_error(bad);
  bad["schedule"] = Json::parse(R"({"type": "onecycle", "max_lr": 0.01})");
  bad["optimizer"] = "adagrad";
  EXPECT_EQ(build_error(bad), "schedule.cycle_momentum: the optimizer AdaGrad has no momentum to cycle (SGD or RMSprop "
                              "with momentum > 0, or Adam, AdamW); set \"cycle_momentum\": false");
}

TEST(ConfigBuild, DefaultConfigIsB3) {
  const Json c = default_config();
  EXPECT_EQ(c["data"], "fashion-mnist");
  EXPECT_EQ(c["model"]["layers"].size(), 12u);
  EXPECT_EQ(c["batch_size"], 64);
  // Its model builds for Fashion-MNIST's images without loading them.
  Json model = c["model"];
  model["input_shape"] = Json::array({1, 28, 28});
  Json resolved;
  Generator gen(0);
  const BuiltModel m = build_model(model, "model", {}, DType::f32, gen, resolved);
  EXPECT_EQ(m.output_shape, std::vector<std::int64_t>{10});
  EXPECT_EQ(resolved["layers"][8]["in"], 3136);
}

}  // namespace
}  // namespace soma::config

namespace soma::config {
namespace {

TEST(ConfigData, NpyInputsAndLabelsWithInputShape) {
  const auto dir = std::filesystem::temp_directory_path() / "soma_config_npy";
  std::filesystem::create_directories(dir);
  data::write_npy((dir / "x.npy").string(), zeros({5, 8}));
  data::write_npy((dir / "y.npy").string(), from_data(std::vector<std::int64_t>{0, 1, 2, 1, 0}, {5}));
  Json c = Json::parse(R"({"data": {"train": {"x": "x.npy", "y": "y.npy"}, "input_shape": [2, 2, 2]},
                           "model": ["Flatten", {"type": "Dense", "out": 3}]})");
  const Experiment e = build_experiment(c, {.base_dir = dir.string()});
  EXPECT_EQ(e.data.input_shape, (std::vector<std::int64_t>{2, 2, 2}));
  EXPECT_EQ(e.data.num_classes, 3);
  EXPECT_EQ(e.resolved["model"]["layers"][1]["in"], 8);
}

}  // namespace
}  // namespace soma::config

namespace soma::config {
namespace {

// Inline images: 2 examples of [2, 4, 4] (32 values each).
Json graph_config() {
  Json c = Json::parse(R"({
    "data": {"train": {"y": [0, 1]}, "input_shape": [2, 4, 4]},
    "model": {
      "nodes": [
        {"name": "conv1", "type": "Conv2d", "out": 2, "kernel": 3, "padding": 1},
        {"name": "relu1", "type": "ReLU"},
        {"name": "skip", "type": "add", "inputs": ["relu1", "input"]},
        {"name": "both", "type": "concatenate", "inputs": ["skip", "conv1"]},
        {"name": "flat", "type": "Flatten"},
        {"name": "out", "type": "Dense", "out": 2}
      ]
    }
  })");
  c["data"]["train"]["x"] = Json::array({std::vector<double>(32, 0.5), std::vector<double>(32, -0.5)});
  return c;
}

TEST(ConfigGraph, NodesBuildAFunctionalModel) {
  const Experiment e = build_experiment(graph_config());
  auto* graph = dynamic_cast<nn::Graph*>(e.model.model.get());
  ASSERT_NE(graph, nullptr);
  EXPECT_EQ(e.model.output_shape, std::vector<std::int64_t>{2});
  EXPECT_EQ(e.model.layers[3].output_shape, (std::vector<std::int64_t>{4, 4, 4}));  // concatenated channels
  EXPECT_EQ(e.resolved["model"]["inputs"]["input"], Json::array({2, 4, 4}));
  EXPECT_EQ(e.resolved["model"]["nodes"][0]["input"], "input");  // the node before it
  EXPECT_EQ(e.resolved["model"]["nodes"][5]["in"], 64);
  EXPECT_EQ(e.resolved["model"]["outputs"], Json::array({"out"}));
  const auto names = e.model.model->named_parameters();
  EXPECT_EQ(names[0].first, "conv1.weight");
  EXPECT_EQ(e.model.model->forward(e.data.train->x()).shape(), Shape({2, 2}));
}

TEST(ConfigGraph, MistakesNameTheNode) {
  Json unknown = graph_config();
  unknown["model"]["nodes"][2]["inputs"][1] = "inputs";
  EXPECT_EQ(build_error(unknown),
            "model.nodes[2].inputs[1]: no node named \"inputs\" before this one; the nodes so far are input, conv1, relu1");
  Json mismatch = graph_config();
  mismatch["model"]["nodes"][0]["out"] = 3;
  const std::string message = build_error(mismatch);
  EXPECT_EQ(message.rfind("model.nodes[2]: Graph: skip (Add): ", 0), 0u) << message;
  Json no_name = graph_config();
  no_name["model"]["nodes"][1].erase("name");
  EXPECT_EQ(build_error(no_name), "model.nodes[1].name: missing; expected a string");
  Json one_input = graph_config();
  one_input["model"]["nodes"][2]["inputs"] = Json::array({"relu1"});
  EXPECT_EQ(build_error(one_input), "model.nodes[2].inputs: expected a list of two or more node names, got [\"relu1\"]");
}

TEST(ConfigErrors, ALossThatDoesNotFitTheModelIsRefusedBeforeTraining) {
  Json mse = tiny();
  mse["loss"] = "mse";  // float targets of the output's shape, but the data has int64 labels
  const std::string message = build_error(mse);
  EXPECT_EQ(message.rfind("loss: \"mse\" does not fit the model's output [2] per example and the data's int64 "
                          "targets [] per example: ", 0), 0u) << message;
  Json bce = tiny();
  bce["loss"] = {{"type", "bce"}};
  EXPECT_EQ(build_error(bce).rfind("loss: \"bce\" does not fit the model's output [2]", 0), 0u) << build_error(bce);
}

TEST(ConfigErrors, ALabelBeyondTheModelsClassesIsRefusedBeforeTraining) {
  Json beyond = tiny();
  beyond["data"]["train"]["y"] = Json::array({0, 1, 4, 0});
  EXPECT_EQ(build_error(beyond),
            "loss: \"cross_entropy\" needs class labels from 0 to 1 for the model's 2 outputs [2], but the training "
            "data has label 4 (target 2); the last layer needs at least 5 outputs");
  Json negative = tiny();
  negative["data"]["test"] = {{"x", Json::array({Json::array({0, 0})})}, {"y", Json::array({-1})}};
  EXPECT_EQ(build_error(negative),
            "loss: \"cross_entropy\" needs class labels from 0 to 1 for the model's 2 outputs [2], but the test "
            "data has label -1 (target 0)");
}

}  // namespace
}  // namespace soma::config
