// {"learner": "dqn"} configs: both DQN configs of configs/ build and take environment steps, the
// resolved config builds the same run, the command line's limits apply to steps and episodes,
// and each mistake is a ConfigError naming its JSON path.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "soma/config/dqn.h"
#include "soma/io/weights.h"

namespace soma::config {
namespace {

const std::string kConfigs = std::string(SOMA_REFERENCE_DIR) + "/../../../configs/";

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

Json tiny() {
  return Json::parse(R"({"seed": 3, "learner": {"type": "dqn", "steps_per_epoch": 20, "eval_episodes": 2},
    "environment": {"name": "CartPole-v1", "max_episode_steps": 30},
    "model": {"layers": [{"type": "Dense", "out": 8}, "ReLU", {"type": "Dense", "out": 2}]},
    "dqn": {"learning_starts": 4, "batch_size": 4, "replay": {"capacity": 100}}})");
}

TEST(ConfigDqn, TheConfigsBuildAndStep) {
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

TEST(ConfigDqn, TheResolvedConfigBuildsTheSameRun) {
  LearnerExperiment a = build_learner_experiment(tiny());
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

TEST(ConfigDqn, LimitsCountStepsAndEpisodes) {
  Json c = tiny();
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

TEST(ConfigDqn, MistakesNameTheirJsonPath) {
  auto with = [](const std::string& key, const Json& value) {
    Json c = tiny();
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
  Json c = tiny();
  c["dqn"]["gamma"] = 1.5;
  EXPECT_NE(build_error(c).find("dqn.gamma"), std::string::npos) << build_error(c);
  c = tiny();
  c["dqn"]["replay"]["capasity"] = 5;
  EXPECT_NE(build_error(c).find("dqn.replay.capasity: unknown option"), std::string::npos) << build_error(c);
  c = tiny();
  c["learner"]["steps"] = 5;
  EXPECT_NE(build_error(c).find("learner.steps: unknown option"), std::string::npos) << build_error(c);
  c = tiny();
  c.erase("environment");
  EXPECT_NE(build_error(c).find("environment: missing"), std::string::npos) << build_error(c);
}

}  // namespace
}  // namespace soma::config
