// The config keys of the classic models: configs/som_fashion.json and configs/rbfn_fashion.json
// on inline data build and take a step; a SOM's decay spans the run's steps; a RadialBasis
// layer with "init": "kmeans" starts at k-means centres; mistakes name their JSON path.
#include <gtest/gtest.h>

#include <cmath>

#include "soma/classic/som_learner.h"
#include "soma/config/experiment.h"
#include "soma/config/learner.h"
#include "soma/config/section.h"
#include "soma/nn/radial_basis.h"
#include "soma/nn/sequential.h"

namespace soma {
namespace {

using namespace config;

const std::string kConfigs = std::string(SOMA_REFERENCE_DIR) + "/../../../configs/";

// A config of configs/ with its data replaced by 12 inline 28 x 28 examples in 3 groups.
Json with_inline_data(const std::string& name) {
  Json c = read_json_file(kConfigs + name + ".json");
  Json x = Json::array(), y = Json::array();
  for (int r = 0; r < 12; ++r) {
    Json row = Json::array();
    for (int i = 0; i < 784; ++i) row.push_back((i % 3) == r % 3 ? 1.0 : 0.1 * (r % 4));
    x.push_back(row);
    y.push_back(r % 3);
  }
  c["data"] = Json{{"train", Json{{"x", x}, {"y", y}}}, {"input_shape", Json::array({1, 28, 28})}};
  return c;
}

TEST(ClassicConfig, SomConfigBuildsAndDecaysOverTheRun) {
  Json c = with_inline_data("som_fashion");
  c["batch_size"] = 5;
  c["learner"]["rows"] = 3;
  c["learner"]["cols"] = 2;
  LearnerExperiment e = build_learner_experiment(c);
  EXPECT_EQ(e.learner.type, "som");
  auto* learner = dynamic_cast<classic::SomLearner*>(e.learner.learner.get());
  ASSERT_NE(learner, nullptr);
  const auto& som = dynamic_cast<classic::Som&>(learner->model());
  EXPECT_EQ(som.options().topology, classic::SomTopology::hexagonal);
  EXPECT_EQ(som.units(), 6);
  EXPECT_EQ(e.resolved["learner"]["mode"], "online");
  EXPECT_EQ(e.resolved["learner"]["lr_end"], 0.01);
  // 3 epochs of ceil(12 / 5) = 3 batches: the decay ends at step 9.
  for (int i = 0; i < 9; ++i) learner->train_step(e.data.train->get(std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(learner->steps_taken(), 9);
  const auto result = learner->evaluate_step(e.data.train->get(std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(std::isfinite(result.values.at("quantization_error")));
  EXPECT_TRUE(result.values.count("topographic_error"));

  c["learner"]["topology"] = "triangular";
  try {
    build_learner_experiment(c);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("learner.topology"), std::string::npos) << err.what();
  }
}

TEST(ClassicConfig, RbfnConfigStartsAtKMeansCentres) {
  Json c = with_inline_data("rbfn_fashion");
  c["model"]["layers"][1]["centres"] = 3;
  Experiment e = build_experiment(c);
  auto& net = dynamic_cast<nn::Sequential&>(*e.model.model);
  const auto& rbf = net.at<nn::RadialBasis>(1);
  // The 12 rows form 3 distinct patterns (r % 3) up to the 0.1 (r % 4) background: each centre
  // is a pattern's mean, so its entries are 1 or a background mean in [0, 0.3].
  for (std::int64_t k = 0; k < 3; ++k) {
    int ones = 0;
    for (std::int64_t i = 0; i < 784; ++i) ones += rbf.centres().at({k, i}) == 1.0f;
    EXPECT_GT(ones, 200) << "centre " << k;
  }
  EXPECT_GT(rbf.widths().at({0}), 1.0);  // the distance between two patterns' centres, not the initial 1
  EXPECT_EQ(e.resolved["model"]["layers"][1]["kmeans_iterations"], 20);

  c["model"]["layers"][1]["init"] = "random";
  try {
    build_experiment(c);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("model.layers[1].init"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace soma
