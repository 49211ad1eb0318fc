// The "learner" section: every generative config in configs/ builds on a few examples of its
// data's shape and takes a step, defaults come from the options structs, an autoencoder's targets are its
// inputs, and each mistake is a ConfigError naming its JSON path. DQN configs: both of configs/
// build and take environment steps, the resolved config builds the same run, the command line's
// limits count steps and episodes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "soma/config/dqn.h"
#include "soma/config/learner.h"
#include "soma/data/dataset.h"
#include "soma/generative/gan.h"
#include "soma/generative/rbm_learner.h"
#include "soma/generative/vae.h"
#include "soma/io/weights.h"

namespace soma::config {
namespace {

const std::string kConfigs = std::string(SOMA_REFERENCE_DIR) + "/../../../configs/";

// A config of configs/, its data replaced by 8 inline examples of Fashion-MNIST's shape (0/1
// pixels) unless `real_data`, then limited to 32 examples (loading the files takes a second).
Json read_config(const std::string& name, bool real_data = false) {
  Json c = read_json_file(kConfigs + name + ".json");
  Json& data = c["data"];
  if (data.is_string()) data = Json{{"dataset", data}};
  if (real_data) {
    data["limit"] = 32;
    data["test_limit"] = 16;
    return c;
  }
  Json x = Json::array(), y = Json::array();
  for (int r = 0; r < 8; ++r) {
    Json row = Json::array();
    for (int i = 0; i < 784; ++i) row.push_back((i + r) % 3 == 0 ? 1 : 0);
    x.push_back(row);
    y.push_back(r % 2);
  }
  data.erase("dataset");
  data["train"] = Json{{"x", x}, {"y", y}};
  if (!data.contains("input_shape")) data["input_shape"] = Json::array({1, 28, 28});
  return c;
}

// A GAN on inline data: 4 examples of 3 features.
Json tiny_gan() {
  return Json::parse(R"({
    "data": {"train": {"x": [[0, 1, 0], [1, 0, 1], [0, 0, 1], [1, 1, 0]], "y": [0, 0, 0, 0]}},
    "learner": {"type": "gan", "noise_shape": [2],
                "generator": {"layers": [{"type": "Dense", "out": 3}, "Tanh"]},
                "discriminator": {"layers": [{"type": "Dense", "out": 1}, "Sigmoid"]}}
  })");
}

std::string build_error(const Json& config) {
  try {
    build_learner_experiment(config);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const Error& e) {
    return std::string("not a ConfigError: ") + e.what();
  }
  return "(no error)";
}

TEST(ConfigLearner, GenerativeConfigsBuildAndStep) {
  for (const std::string name : {"gan_fashion", "dcgan_fashion", "vae_fashion", "rbm_fashion"}) {
    SCOPED_TRACE(name);
    const Json config = read_config(name);
    ASSERT_EQ(learner_type(config), name.substr(0, name.find('_')) == "dcgan" ? "gan" : name.substr(0, name.find('_')));
    LearnerExperiment e = build_learner_experiment(config);
    EXPECT_EQ(e.data.train->size(), 8);
    const std::int64_t indices[] = {0, 1, 2, 3};
    const train::StepResult step = e.learner.learner->train_step(e.data.train->get(indices));
    EXPECT_EQ(step.examples, 4);
    ASSERT_FALSE(step.values.empty());
    for (const auto& [key, value] : step.values) EXPECT_TRUE(std::isfinite(value)) << key;
    // The resolved config builds the same run.
    EXPECT_NO_THROW(build_learner_experiment(e.resolved));
  }
}

TEST(ConfigLearner, AutoencoderTargetsAreTheInputs) {
  const Json config = read_config("autoencoder_fashion", /*real_data=*/true);
  EXPECT_EQ(learner_type(config), "autoencoder");
  Experiment e = build_experiment(config);
  EXPECT_EQ(e.data.train->y().shape(), e.data.train->x().shape());
  EXPECT_EQ(e.data.test->y().shape(), e.data.test->x().shape());
  EXPECT_EQ(e.data.num_classes, 0);
  EXPECT_EQ(e.resolved["learner"], "autoencoder");
  // A dense decoder's flat output: the targets are flattened to match.
  Json flat = Json::parse(R"({"data": {"train": {"x": [[0, 1, 1, 0]], "y": [0]}, "input_shape": [1, 2, 2]},
                              "learner": "autoencoder",
                              "model": ["Flatten", {"type": "Dense", "out": 4}], "loss": "mse"})");
  EXPECT_EQ(build_experiment(flat).data.train->y().shape(), Shape({1, 4}));
  flat["model"][1]["out"] = 3;
  EXPECT_THROW(build_experiment(flat), ConfigError);
}

TEST(ConfigLearner, DefaultsComeFromTheOptionsStructs) {
  LearnerExperiment e = build_learner_experiment(tiny_gan());
  const Json& r = e.resolved["learner"];
  const generative::GanOptions gan;
  EXPECT_EQ(r["d_steps"], gan.d_steps);
  EXPECT_EQ(r["samples"], gan.samples);
  EXPECT_EQ(r["generator_loss"], "non_saturating");
  EXPECT_EQ(r["noise"], "normal");
  EXPECT_EQ(r["generator_optimizer"]["type"], "adam");
  EXPECT_EQ(e.learner.optimizers.size(), 2u);
  EXPECT_EQ(e.learner.learner->name(), "gan");

  Json vae = tiny_gan();
  vae["learner"] = Json{{"type", "vae"}};
  const Json rv = build_learner_experiment(vae).resolved["learner"];
  EXPECT_EQ(rv["hidden"], generative::VaeOptions{}.hidden);
  EXPECT_EQ(rv["latent"], generative::VaeOptions{}.latent);

  Json rbm = tiny_gan();
  rbm["learner"] = Json{{"type", "rbm"}, {"hidden", 2}};
  const Json rr = build_learner_experiment(rbm).resolved["learner"];
  EXPECT_EQ(rr["lr"], generative::RbmOptions{}.lr);
  EXPECT_EQ(rr["k"], generative::RbmOptions{}.k);
  EXPECT_EQ(rr["filters"], generative::RbmLearnerOptions{}.filters);
}

TEST(ConfigLearner, MistakesNameTheirPath) {
  Json c = tiny_gan();
  c["learner"]["d_step"] = 2;
  EXPECT_NE(build_error(c).find("learner.d_step: unknown option"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"]["generator"]["layers"][0]["out"] = 5;
  EXPECT_NE(build_error(c).find("learner.generator: its output [5]"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"]["discriminator"]["layers"][0]["out"] = 2;
  EXPECT_NE(build_error(c).find("learner.discriminator: expected one probability"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"]["generator_optimizer"] = Json{{"type", "adam"}, {"lr", -1}};
  EXPECT_NE(build_error(c).find("learner.generator_optimizer.lr"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"]["type"] = "gam";
  EXPECT_NE(build_error(c).find("learner.type: expected one of"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["model"] = Json::array({"ReLU"});
  EXPECT_NE(build_error(c).find("model: belongs to a supervised config"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"] = Json{{"type", "rbm"}};
  EXPECT_NE(build_error(c).find("learner.hidden: missing"), std::string::npos) << build_error(c);
  c = tiny_gan();
  c["learner"] = Json{{"type", "vae"}, {"image_shape", {2, 2}}};
  EXPECT_NE(build_error(c).find("learner.image_shape: expected 3 values"), std::string::npos) << build_error(c);
  // A generative config is not a supervised one.
  try {
    build_experiment(tiny_gan());
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("learner: a gan config is built by build_learner_experiment"), std::string::npos)
        << e.what();
  }
}

// A DQN config on CartPole-v1's state: 20 steps per epoch, 2 evaluation episodes.
Json tiny_dqn() {
  return Json::parse(R"({"seed": 3, "learner": {"type": "dqn", "steps_per_epoch": 20, "eval_episodes": 2},
    "environment": {"name": "CartPole-v1", "max_episode_steps": 30},
    "model": {"layers": [{"type": "Dense", "out": 8}, "ReLU", {"type": "Dense", "out": 2}]},
    "dqn": {"learning_starts": 4, "batch_size": 4, "replay": {"capacity": 100}}})");
}

TEST(ConfigLearner, DqnConfigsBuildAndStep) {
  for (const std::string name : {"dqn_cartpole", "dqn_cartpole_pixels"}) {
    SCOPED_TRACE(name);
    Json config = read_json_file(kConfigs + name + ".json");
    ASSERT_EQ(learner_type(config), "dqn");
    config["dqn"]["learning_starts"] = 2;
    config["dqn"]["batch_size"] = 2;
    config["dqn"]["train_frequency"] = 1;
    config["dqn"]["gradient_steps"] = 1;
    config["dqn"]["replay"]["capacity"] = 64;  // the pixel buffer is allocated up front
    LearnerExperiment e = build_learner_experiment(config);
    EXPECT_EQ(e.learner.type, "dqn");
    EXPECT_EQ(e.learner.learner->name(), "dqn");
    const std::vector<std::int64_t> expected = name == "dqn_cartpole" ? std::vector<std::int64_t>{4}
                                                                       : std::vector<std::int64_t>{2, 40, 90};
    EXPECT_EQ(e.data.input_shape, expected);
    ASSERT_TRUE(e.data.test);
    EXPECT_EQ(e.data.test->size(), config["learner"]["eval_episodes"].get<std::int64_t>());
    bool updated = false;
    for (std::int64_t i = 0; i < 4; ++i) {
      const std::int64_t index[] = {i};
      const train::StepResult step = e.learner.learner->train_step(e.data.train->get(index));
      for (const auto& [key, value] : step.values) EXPECT_TRUE(std::isfinite(value)) << key;
      updated = updated || step.values.count("loss");
    }
    EXPECT_TRUE(updated) << "updates start after learning_starts = 2 steps";
    EXPECT_NO_THROW(build_learner_experiment(e.resolved));
  }
}

TEST(ConfigLearner, DqnResolvedConfigBuildsTheSameRun) {
  LearnerExperiment a = build_learner_experiment(tiny_dqn());
  LearnerExperiment b = build_learner_experiment(a.resolved);
  EXPECT_EQ(a.resolved, b.resolved);
  const auto wa = io::state_dict(a.learner.learner->model()), wb = io::state_dict(b.learner.learner->model());
  ASSERT_EQ(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); ++i) {
    EXPECT_EQ(wa[i].first, wb[i].first);
    EXPECT_TRUE(std::equal(wa[i].second.data<float>(), wa[i].second.data<float>() + wa[i].second.numel(),
                           wb[i].second.data<float>()))
        << wa[i].first;
  }
  EXPECT_EQ(a.resolved["environment"]["max_episode_steps"], 30);
  EXPECT_EQ(a.resolved["dqn"]["replay"]["capacity"], 100);
  EXPECT_EQ(a.data.train->size(), 20);
  EXPECT_EQ(a.learner.environments.size(), 2u);
}

TEST(ConfigLearner, DqnLimitsCountStepsAndEpisodes) {
  Json c = tiny_dqn();
  limit_dqn_config(c, 8, std::nullopt);
  EXPECT_EQ(c["learner"]["steps_per_epoch"], 8);
  EXPECT_EQ(c["learner"]["eval_episodes"], 2);
  limit_dqn_config(c, 100, 1);
  EXPECT_EQ(c["learner"]["steps_per_epoch"], 8) << "a limit only lowers";
  EXPECT_EQ(c["learner"]["eval_episodes"], 1);
  Json plain = Json::parse(R"({"learner": "dqn"})");
  limit_dqn_config(plain, 5, 500);
  EXPECT_EQ(plain["learner"], Json::parse(R"({"type": "dqn", "steps_per_epoch": 5, "eval_episodes": 10})"));
}

TEST(ConfigLearner, DqnMistakesNameTheirJsonPath) {
  auto with = [](const std::string& key, const Json& value) {
    Json c = tiny_dqn();
    c[key] = value;
    return build_error(c);
  };
  EXPECT_NE(with("batch_size", 32).find("batch_size: expected 1 for a dqn learner"), std::string::npos);
  EXPECT_NE(with("shuffle", true).find("shuffle: expected false"), std::string::npos);
  EXPECT_NE(with("data", "fashion-mnist").find("data: a dqn learner takes no \"data\""), std::string::npos);
  EXPECT_NE(with("loss", "mse").find("loss: a dqn learner takes no \"loss\""), std::string::npos);
  EXPECT_NE(with("environment", Json{{"name", "Pong"}}).find("environment.name: expected one of"), std::string::npos);
  EXPECT_NE(with("environment", Json{{"name", "CartPole-v1"}, {"pixels", {{"frame", 4}}}})
                .find("environment.pixels.frame: unknown option"),
            std::string::npos);
  EXPECT_NE(with("model", Json{{"layers", {{{"type", "Dense"}, {"out", 3}}}}})
                .find("model: expected one Q-value per action of CartPole-v1 (output [2]), got [3]"),
            std::string::npos);
  EXPECT_NE(with("optimizer", Json{{"type", "adam"}, {"lr", -1}}).find("optimizer.lr"), std::string::npos);
  Json c = tiny_dqn();
  c["dqn"]["gamma"] = 1.5;
  EXPECT_NE(build_error(c).find("dqn.gamma"), std::string::npos) << build_error(c);
  c = tiny_dqn();
  c["dqn"]["replay"]["capasity"] = 5;
  EXPECT_NE(build_error(c).find("dqn.replay.capasity: unknown option"), std::string::npos) << build_error(c);
  c = tiny_dqn();
  c["learner"]["steps"] = 5;
  EXPECT_NE(build_error(c).find("learner.steps: unknown option"), std::string::npos) << build_error(c);
  c = tiny_dqn();
  c.erase("environment");
  EXPECT_NE(build_error(c).find("environment: missing"), std::string::npos) << build_error(c);
}

}  // namespace
}  // namespace soma::config
