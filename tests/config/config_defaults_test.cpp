// One source of truth for defaults: every type the config accepts (each layer, loss, optimizer,
// schedule, callback and augmentation, found from the config's own "expected one of" list, so
// a new type fails here until it has a case) is built from the smallest spec it takes, and
// every key of its resolved JSON that the spec left out must equal the default of the
// library's options struct (or named constant). A key this file does not know fails too.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>

#include "soma/classic/rbfn.h"
#include "soma/config/dqn.h"
#include "soma/config/experiment.h"
#include "soma/core/factory.h"
#include "soma/data/augment.h"
#include "soma/data/elastic.h"
#include "soma/data/transforms.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/nn/graph.h"
#include "soma/nn/loss.h"
#include "soma/nn/pool.h"
#include "soma/nn/radial_basis.h"
#include "soma/nn/recurrent.h"
#include "soma/nn/upsample.h"
#include "soma/ops/sequence_loss.h"
#include "soma/optim/adagrad.h"
#include "soma/optim/adam.h"
#include "soma/optim/adamw.h"
#include "soma/optim/rmsprop.h"
#include "soma/optim/schedule.h"
#include "soma/optim/sgd.h"
#include "soma/rl/pixels.h"
#include "soma/train/early_stopping.h"
#include "soma/train/lr_schedule.h"
#include "soma/train/model_checkpoint.h"
#include "soma/train/trainer.h"

namespace soma::config {
namespace {

using Defaults = std::map<std::string, Json>;

// A Pair as Section::pair records it: one number when square.
Json pair(Pair p) { return p.h == p.w ? Json(p.h) : Json::array({p.h, p.w}); }
Json reduction(Reduction r) { return r == Reduction::sum ? "sum" : "mean"; }
Json mode(train::MonitorMode m) {
  return m == train::MonitorMode::min ? "min" : m == train::MonitorMode::max ? "max" : "auto";
}
Json optional(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

// Every key of `resolved` not given in `spec` must be in `defaults`, with the same value; every
// key of `defaults` must have been resolved.
void expect_defaults(const std::string& what, const Json& spec, const Json& resolved, const Defaults& defaults) {
  for (const auto& [key, value] : resolved.items()) {
    if (spec.contains(key)) continue;
    const auto it = defaults.find(key);
    if (it == defaults.end()) {
      ADD_FAILURE() << what << "." << key << " = " << value.dump() << ": a config key this test does not know";
      continue;
    }
    EXPECT_EQ(value, it->second) << what << "." << key << ": the config's default differs from the options struct's";
  }
  for (const auto& [key, value] : defaults)
    EXPECT_TRUE(resolved.contains(key)) << what << "." << key << ": expected in the resolved config";
}

// The names a config error lists after "expected one of" (quoted or not), up to what follows.
std::vector<std::string> accepted_types(const std::function<void()>& build_unknown) {
  std::string message;
  try {
    build_unknown();
  } catch (const ConfigError& e) {
    message = e.what();
  }
  const auto at = message.find("expected one of ");
  EXPECT_NE(at, std::string::npos) << message;
  std::vector<std::string> out;
  std::string list = message.substr(at + 16);
  for (const char* end : {" or an object", ", got "})  // what follows the list in type_of's message
    if (const auto e = list.find(end); e != std::string::npos) list.resize(e);
  const std::regex name("[A-Za-z_0-9]+");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), name); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  EXPECT_FALSE(out.empty()) << message;
  return out;
}

// One type's case: the keys it requires (and, for layers, those it infers) given in `spec`,
// the defaults of the rest, and for layers the example shape reaching it.
struct Case {
  Json spec;
  Defaults defaults;
  std::vector<std::int64_t> input = {};
};
using Cases = std::map<std::string, Case>;

// Builds every type of `types` from its case's spec (with "type" added) and checks the
// resolved section that `build` returns.
void walk(const std::string& kind, const std::vector<std::string>& types, const Cases& cases,
          const std::function<Json(const Json& spec, const Case& c)>& build) {
  for (const auto& type : types) {
    const auto it = cases.find(type);
    if (it == cases.end()) {
      ADD_FAILURE() << kind << " " << type << ": the config accepts it but this test has no case for it";
      continue;
    }
    Json spec = it->second.spec;
    spec["type"] = type;
    expect_defaults(kind + " " + type, spec, build(spec, it->second), it->second.defaults);
  }
}

// ---- layers ----

Cases layer_cases() {
  const nn::DenseOptions dense;
  const nn::Conv2dOptions conv;
  const nn::ConvTranspose2dOptions tconv;
  const nn::UpsampleOptions up;
  const nn::RecurrentOptions rec;
  const nn::MaxPool2dOptions max;
  const nn::AvgPool2dOptions avg;
  const nn::BatchNormOptions bn;
  const Json kernel = 2;
  // The pools' stride 0 means "the kernel"; the resolved config records the kernel itself.
  const Json max_stride = max.stride == Pair(0) ? kernel : pair(max.stride);
  const Json avg_stride = avg.stride == Pair(0) ? kernel : pair(avg.stride);
  const Defaults recurrent{{"num_layers", rec.num_layers},
                           {"bias", rec.bias},
                           {"return_sequences", rec.return_sequences}};
  Defaults rnn = recurrent;
  rnn["nonlinearity"] = rec.nonlinearity == nn::Nonlinearity::relu ? "relu" : "tanh";
  const Defaults batch_norm{{"eps", bn.eps},
                            {"momentum", optional(bn.momentum)},
                            {"affine", bn.affine},
                            {"track_running_stats", bn.track_running_stats}};
  const Json rnn_spec = {{"input_size", 3}, {"hidden_size", 4}};
  return {
      {"Dense", {{{"in", 4}, {"out", 3}}, {{"bias", dense.bias}, {"kernel_regularizer", nullptr}, {"bias_regularizer", nullptr}, {"activation", dense.activation}}, {4}}},
      {"RadialBasis", {{{"in", 4}, {"centres", 3}}, {{"width", nn::RadialBasisOptions{}.width},
         {"init", "uniform"},
         {"kmeans_rows", 10000},  // the config's own default (model.cpp)
         {"kmeans_iterations", classic::RbfInitOptions{}.kmeans_iterations},
         {"width_scale", classic::RbfInitOptions{}.width_scale}}, {4}}},
      {"Conv2d", {{{"in", 1}, {"out", 2}, {"kernel", 3}}, {{"stride", pair(conv.stride)},
         {"padding", pair(conv.padding.sizes())},
         {"dilation", pair(conv.dilation)},
         {"groups", conv.groups},
         {"bias", conv.bias},
         {"activation", conv.activation}}, {1, 8, 8}}},
      {"ConvTranspose2d", {{{"in", 1}, {"out", 2}, {"kernel", 3}}, {{"stride", pair(tconv.stride)},
         {"padding", pair(tconv.padding)},
         {"output_padding", pair(tconv.output_padding)},
         {"groups", tconv.groups},
         {"bias", tconv.bias},
         {"dilation", pair(tconv.dilation)}}, {1, 8, 8}}},
      {"Upsample", {{{"scale_factor", 2}}, {{"mode", up.mode == UpsampleMode::bilinear ? "bilinear" : "nearest"}, {"align_corners", up.align_corners}}, {1, 4, 4}}},
      {"RNN", {rnn_spec, rnn, {5, 3}}},
      {"LSTM", {rnn_spec, recurrent, {5, 3}}},
      {"GRU", {rnn_spec, recurrent, {5, 3}}},
      {"Embedding", {{{"num_embeddings", 10}, {"embedding_dim", 4}}, {{"padding_idx", nullptr}}, {5}}},
      {"TimeDistributed", {{{"layer", {{"type", "Dense"}, {"in", 4}, {"out", 2}}}}, {}, {5, 4}}},
      {"MaxPool2d", {{{"kernel", kernel}}, {{"stride", max_stride}, {"padding", pair(max.padding)}, {"ceil_mode", max.ceil_mode}}, {1, 8, 8}}},
      {"AvgPool2d", {{{"kernel", kernel}}, {{"stride", avg_stride},
         {"padding", pair(avg.padding)},
         {"ceil_mode", avg.ceil_mode},
         {"count_include_pad", avg.count_include_pad}}, {1, 8, 8}}},
      {"GlobalAvgPool2d", {Json::object(), {}, {1, 4, 4}}},
      {"BatchNorm1d", {{{"num_features", 4}}, batch_norm, {4}}},
      {"BatchNorm2d", {{{"num_features", 2}}, batch_norm, {2, 4, 4}}},
      {"Dropout", {Json::object(), {{"p", nn::Dropout().p()}}, {4}}},
      {"Flatten", {Json::object(), {{"start", nn::Flatten::kDefaultStart}, {"end", nn::Flatten::kDefaultEnd}}, {2, 3}}},
      {"ReLU", {Json::object(), {}, {4}}},
      {"Sigmoid", {Json::object(), {}, {4}}},
      {"Tanh", {Json::object(), {}, {4}}},
      {"LeakyReLU", {Json::object(), {{"negative_slope", nn::LeakyReLU::kDefaultNegativeSlope}}, {4}}},
      {"Threshold", {Json::object(), {{"at", nn::Threshold::kDefaultAt}}, {4}}},
      {"Softmax", {Json::object(), {{"axis", nn::Softmax::kDefaultAxis}}, {4}}},
      {"LogSoftmax", {Json::object(), {{"axis", nn::LogSoftmax::kDefaultAxis}}, {4}}},
  };
}

TEST(ConfigDefaults, EveryLayerKeyDefaultsToItsOptionsStruct) {
  const auto types = accepted_types([] {
    Json r;
    Generator gen(0);
    build_model(Json::parse(R"({"input_shape": [4], "layers": [{"type": "NoSuchLayer"}]})"), "model", {}, DType::f32, gen, r);
  });
  walk("layer", types, layer_cases(), [](const Json& layer, const Case& c) {
    Json resolved;
    Generator gen(0);
    build_model({{"input_shape", c.input}, {"layers", Json::array({layer})}}, "model", {}, DType::f32, gen, resolved);
    return resolved["layers"][0];
  });
}

TEST(ConfigDefaults, GraphMergeAxisDefaultsToGraphs) {
  const Json model = Json::parse(R"({"inputs": {"a": [4]}, "nodes": [
      {"name": "d1", "type": "Dense", "out": 2, "input": "a"},
      {"name": "d2", "type": "Dense", "out": 2, "input": "a"},
      {"name": "c", "type": "concatenate", "inputs": ["d1", "d2"]}]})");
  Json resolved;
  Generator gen(0);
  build_model(model, "model", {}, DType::f32, gen, resolved);
  EXPECT_EQ(resolved["nodes"][2]["axis"], nn::Graph::kDefaultConcatAxis);
}

// ---- losses, optimizers, schedules, callbacks, augmentation ----

TEST(ConfigDefaults, EveryLossKeyDefaultsToItsOptionsStruct) {
  const loss::LossOptions plain;
  const loss::HingeOptions hinge;
  const loss::HuberOptions huber;
  const loss::SmoothL1Options smooth;
  const SequenceLossOptions sequence;
  const loss::CategoricalCrossentropyOptions categorical;
  const Defaults keras{{"from_logits", categorical.from_logits}, {"reduction", reduction(categorical.reduction)}};
  const Json none = Json::object();
  const Defaults just_reduction{{"reduction", reduction(plain.reduction)}};
  const Cases cases = {
      {"cross_entropy", {none, just_reduction}},
      {"mse", {none, just_reduction}},
      {"mae", {none, just_reduction}},
      {"bce", {none, just_reduction}},
      {"bce_with_logits", {none, just_reduction}},
      {"nll", {none, just_reduction}},
      {"categorical_crossentropy", {none, keras}},
      {"sparse_categorical_crossentropy", {none, keras}},
      {"hinge", {none, {{"margin", hinge.margin}, {"reduction", reduction(hinge.reduction)}}}},
      {"huber", {none, {{"delta", huber.delta}, {"reduction", reduction(huber.reduction)}}}},
      {"smooth_l1", {none, {{"beta", smooth.beta}, {"reduction", reduction(smooth.reduction)}}}},
      {"sequence_cross_entropy",
       {none,
        {{"reduction", reduction(sequence.reduction)},
         {"ignore_index", sequence.ignore_index ? Json(*sequence.ignore_index) : Json(nullptr)}}}},
  };
  const auto types = accepted_types([] {
    Json r;
    build_loss("no_such_loss", "loss", r);
  });
  walk("loss", types, cases, [](const Json& spec, const Case&) {
    Json resolved;
    build_loss(spec, "loss", resolved);
    return resolved;
  });
}

std::vector<Tensor> one_param() { return {zeros({2}).set_requires_grad()}; }

TEST(ConfigDefaults, EveryOptimizerKeyDefaultsToItsOptionsStruct) {
  const optim::SGDOptions sgd;
  const optim::AdamOptions adam;
  const optim::AdamWOptions adamw;
  const optim::AdaGradOptions adagrad;
  const optim::RMSpropOptions rmsprop;
  const Json none = Json::object();
  auto adam_keys = [](const auto& o) -> Defaults {
    return {{"lr", o.lr}, {"betas", o.betas}, {"eps", o.eps}, {"weight_decay", o.weight_decay}, {"amsgrad", o.amsgrad}};
  };
  const Cases cases = {
      {"sgd",
       {none,
        {{"lr", sgd.lr},
         {"momentum", sgd.momentum},
         {"dampening", sgd.dampening},
         {"weight_decay", sgd.weight_decay},
         {"nesterov", sgd.nesterov}}}},
      {"adam", {none, adam_keys(adam)}},
      {"adamw", {none, adam_keys(adamw)}},
      {"adagrad",
       {none,
        {{"lr", adagrad.lr},
         {"lr_decay", adagrad.lr_decay},
         {"weight_decay", adagrad.weight_decay},
         {"initial_accumulator_value", adagrad.initial_accumulator_value},
         {"eps", adagrad.eps}}}},
      {"rmsprop",
       {none,
        {{"lr", rmsprop.lr},
         {"alpha", rmsprop.alpha},
         {"eps", rmsprop.eps},
         {"weight_decay", rmsprop.weight_decay},
         {"momentum", rmsprop.momentum},
         {"centered", rmsprop.centered}}}},
  };
  const auto types = accepted_types([] {
    Json r;
    build_optimizer("no_such_optimizer", "optimizer", one_param(), r);
  });
  walk("optimizer", types, cases, [](const Json& spec, const Case&) {
    Json resolved;
    build_optimizer(spec, "optimizer", one_param(), resolved);
    return resolved;
  });
}

TEST(ConfigDefaults, EveryScheduleKeyDefaultsToItsOptionsStruct) {
  const optim::StepLROptions step;
  const optim::MultiStepLROptions multistep;
  const optim::CosineAnnealingLROptions cosine;
  const optim::LinearWarmupOptions warmup;
  const optim::OneCycleLROptions onecycle;
  const train::ReduceLROnPlateauOptions plateau;
  const Cases cases = {
      {"step", {{{"step_size", 2}}, {{"gamma", step.gamma}}}},
      {"multistep", {{{"milestones", {1}}}, {{"gamma", multistep.gamma}}}},
      {"exponential", {{{"gamma", 0.5}}, {}}},
      {"cosine", {{{"t_max", 3}}, {{"eta_min", cosine.eta_min}}}},
      {"warmup",
       {Json::object(),
        {{"start_factor", warmup.start_factor},
         {"end_factor", warmup.end_factor},
         {"total_iters", warmup.total_iters}}}},
      {"onecycle",
       {{{"max_lr", 0.01}},
        {{"total_steps", onecycle.total_steps},
         {"pct_start", onecycle.pct_start},
         {"anneal_strategy", "cos"},
         {"cycle_momentum", onecycle.cycle_momentum},
         {"base_momentum", onecycle.base_momentum},
         {"max_momentum", onecycle.max_momentum},
         {"div_factor", onecycle.div_factor},
         {"final_div_factor", onecycle.final_div_factor},
         {"three_phase", onecycle.three_phase}}}},
      {"plateau",
       {Json::object(),
        {{"monitor", plateau.monitor},
         {"mode", mode(plateau.mode)},
         {"factor", plateau.factor},
         {"patience", plateau.patience},
         {"threshold", plateau.threshold},
         {"cooldown", plateau.cooldown},
         {"min_lr", plateau.min_lr}}}},
  };
  optim::SGD optimizer(one_param(), {.momentum = 0.9});  // a momentum for onecycle to cycle
  auto build = [&](const Json& spec) {
    std::unique_ptr<optim::LRScheduler> scheduler;
    std::vector<train::CallbackHandle> callbacks;
    Json resolved;
    build_schedule(spec, "schedule", optimizer, scheduler, callbacks, resolved);
    return resolved;
  };
  walk("schedule", accepted_types([&] { build("no_such_schedule"); }), cases,
       [&](const Json& spec, const Case&) { return build(spec); });
}

TEST(ConfigDefaults, EveryCallbackKeyDefaultsToItsOptionsStruct) {
  const train::EarlyStoppingOptions early;
  const train::ModelCheckpointOptions checkpoint;
  const Cases cases = {
      {"early_stopping",
       {Json::object(),
        {{"monitor", early.monitor},
         {"min_delta", early.min_delta},
         {"patience", early.patience},
         {"mode", mode(early.mode)},
         {"baseline", optional(early.baseline)},
         {"restore_best_weights", early.restore_best_weights}}}},
      // The config's own choices, documented in config/training.cpp: keep the best weights in
      // the run folder (ModelCheckpointOptions' defaults serve fit(..., resume)).
      {"checkpoint",
       {Json::object(),
        {{"file", "best.safetensors"},
         {"monitor", checkpoint.monitor},
         {"mode", mode(checkpoint.mode)},
         {"save_best_only", true},
         {"every_n_epochs", checkpoint.every_n_epochs},
         {"weights_only", true}}}},
  };
  auto build = [](const Json& spec) {
    Json resolved;
    build_callbacks(Json::array({spec}), "callbacks", "", resolved);
    return resolved[0];
  };
  walk("callback", accepted_types([&] { build("no_such_callback"); }), cases,
       [&](const Json& spec, const Case&) { return build(spec); });
}

TEST(ConfigDefaults, EveryAugmentKeyDefaultsToItsOptionsStruct) {
  const data::RandomCropOptions crop;
  const data::RandomRotationOptions rotation;
  const data::RandomErasingOptions erasing;
  const data::ElasticDistortionOptions elastic;
  const Cases cases = {
      {"random_horizontal_flip", {Json::object(), {{"p", data::kFlipProbability}}}},
      {"random_shift", {{{"max_shift", 2}}, {}}},
      {"random_crop", {{{"size", 4}}, {{"padding", crop.padding}, {"fill", crop.fill}}}},
      {"random_rotation",
       {{{"degrees", 10}},
        {{"interpolation", rotation.interpolation == data::Interpolation::bilinear ? "bilinear" : "nearest"},
         {"fill", rotation.fill}}}},
      // gaussian_noise's std has no library default; the config's own is documented in
      // config/training.cpp.
      {"gaussian_noise", {Json::object(), {{"mean", data::kGaussianNoiseMean}, {"std", 0.1}}}},
      {"random_erasing",
       {Json::object(),
        {{"p", erasing.p},
         {"scale", {erasing.scale.first, erasing.scale.second}},
         {"ratio", {erasing.ratio.first, erasing.ratio.second}},
         {"value", erasing.value}}}},
      {"elastic_distortion",
       {Json::object(), {{"alpha", elastic.alpha}, {"sigma", elastic.sigma}, {"fill", elastic.fill}}}},
  };
  auto build = [](const Json& spec) {
    Json resolved;
    build_augment(Json::array({spec}), "augment", resolved);
    return resolved[0];
  };
  walk("augmentation", accepted_types([&] { build("no_such_transform"); }), cases,
       [&](const Json& spec, const Case&) { return build(spec); });
}

// The top-level settings: Settings' defaults, which are FitOptions' where both have the field
// (batch_size differs by design: Settings::kBatchSize, see config/experiment.h).
TEST(ConfigDefaults, SettingsDefaultToSettingsAndFitOptions) {
  const Settings settings;
  const train::FitOptions fit;
  const Json empty = Json::object();  // a Section reads the object it is given in place
  Section top(empty, "", "the config");
  read_settings(top);
  expect_defaults("settings", Json::object(), top.resolved(),
                  {{"name", settings.name},
                   {"seed", settings.seed},
                   {"threads", settings.threads},
                   {"deterministic", settings.deterministic},
                   {"epochs", settings.epochs},
                   {"batch_size", Settings::kBatchSize},
                   {"shuffle", settings.shuffle},
                   {"validate", settings.validate},
                   {"validation_split", settings.validation_split},
                   {"checkpoint_every", settings.checkpoint_every},
                   {"clip_grad_norm", settings.clip_grad_norm},
                   {"clip_grad_value", settings.clip_grad_value},
                   {"verbose", settings.verbose}});
  EXPECT_EQ(settings.epochs, fit.epochs);
  EXPECT_EQ(settings.shuffle, fit.shuffle);
  EXPECT_EQ(settings.validation_split, fit.validation_split);
  EXPECT_EQ(settings.seed, fit.seed);
  EXPECT_EQ(settings.verbose, fit.verbose);
  EXPECT_EQ(settings.checkpoint_every, fit.checkpoint_every_n_batches);
  EXPECT_EQ(settings.clip_grad_norm, fit.clip_grad_norm);
  EXPECT_EQ(settings.clip_grad_value, fit.clip_grad_value);
}

// ---- reinforcement learning ----

TEST(ConfigDefaults, DqnKeysDefaultToDqnOptions) {
  const rl::DqnOptions dqn;
  const rl::ReplayOptions replay = dqn.replay;
  Json resolved;
  build_dqn_options(Json::object(), "dqn", 0, resolved);
  ASSERT_TRUE(resolved.contains("replay"));
  expect_defaults("dqn.replay", Json::object(), resolved["replay"],
                  {{"capacity", replay.capacity},
                   {"frames", replay.frames},
                   {"prioritized", replay.prioritized},
                   {"alpha", replay.alpha},
                   {"beta", replay.beta},
                   {"beta_steps", replay.beta_steps},
                   {"priority_epsilon", replay.priority_epsilon}});
  resolved.erase("replay");
  // seed (the learner's, the replay buffer's) comes from the run's seed: not a key.
  expect_defaults("dqn", Json::object(), resolved,
                  {{"gamma", dqn.gamma},
                   {"batch_size", dqn.batch_size},
                   {"learning_starts", dqn.learning_starts},
                   {"train_frequency", dqn.train_frequency},
                   {"gradient_steps", dqn.gradient_steps},
                   {"target_update_interval", dqn.target_update_interval},
                   {"tau", dqn.tau},
                   {"epsilon_start", dqn.epsilon_start},
                   {"epsilon_end", dqn.epsilon_end},
                   {"exploration_steps", dqn.exploration_steps},
                   {"double_dqn", dqn.double_dqn},
                   {"huber_beta", dqn.huber_beta},
                   {"checkpoint_replay", dqn.checkpoint_replay},
                   {"eval_seed", dqn.eval_seed}});
}

TEST(ConfigDefaults, EnvironmentKeysDefaultToTheEnvironmentsOptions) {
  const rl::CartPoleOptions cartpole;
  const rl::CartPolePixelsOptions pixels;
  Json resolved;
  const Json state = {{"name", "CartPole-v1"}};
  build_environment(state, "environment", 0, resolved);
  expect_defaults("environment", state, resolved, {{"max_episode_steps", cartpole.max_episode_steps}, {"pixels", nullptr}});
  build_environment({{"name", "CartPole-v1"}, {"pixels", Json::object()}}, "environment", 0, resolved);
  expect_defaults("environment.pixels", Json::object(), resolved["pixels"],
                  {{"frames", pixels.frames}, {"height", pixels.height}, {"width", pixels.width}});
  EXPECT_EQ(pixels.cartpole.max_episode_steps, cartpole.max_episode_steps);
}

TEST(ConfigDefaults, DqnLearnerKeysDefaultToTheConfigsConstants) {
  const Json config = Json::parse(R"({"learner": "dqn", "environment": "CartPole-v1",
                                      "model": {"layers": [{"type": "Dense", "out": 2}]}})");
  const LearnerExperiment e = build_dqn_experiment(config);
  expect_defaults("learner", Json{{"type", "dqn"}}, e.resolved["learner"],
                  {{"steps_per_epoch", kDqnStepsPerEpoch}, {"eval_episodes", kDqnEvalEpisodes}});
  // The settings a DQN run fixes, recorded as used.
  EXPECT_EQ(e.resolved["batch_size"], 1);
  EXPECT_EQ(e.resolved["shuffle"], false);
}

}  // namespace
}  // namespace soma::config
