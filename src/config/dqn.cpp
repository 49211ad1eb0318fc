// {"learner": "dqn"} configs (see config/dqn.h): the environment, the Q-network and its target,
// the optimizer and rl::DqnOptions, every default read from the options struct it belongs to
// (rl::DqnOptions{}, rl::ReplayOptions{}, rl::CartPoleOptions{}). The loop's data are
// placeholders that only count: one example per environment step, one per evaluation episode.
#include "soma/config/dqn.h"

#include <algorithm>

#include "soma/core/factory.h"
#include "soma/core/generator.h"
#include "soma/rl/cartpole.h"
#include "soma/rl/pixels.h"

namespace soma::config {
namespace {

std::vector<std::int64_t> dims_of(const Shape& s) { return std::vector<std::int64_t>(s.begin(), s.end()); }

// n placeholder examples: the int64 indices 0..n-1 (what rl::steps holds).
std::shared_ptr<data::TensorDataset> placeholder_steps(std::int64_t n) {
  return std::make_shared<data::TensorDataset>(arange(double(n), DType::i64));
}

rl::ReplayOptions replay_options(Section& s, std::uint64_t seed) {
  const rl::ReplayOptions d;
  rl::ReplayOptions o{.seed = seed};
  o.capacity = s.integer("capacity", d.capacity, 1);
  o.frames = s.integer("frames", d.frames, 0);
  o.prioritized = s.boolean("prioritized", d.prioritized);
  o.alpha = s.number("alpha", d.alpha, {.lo = 0});
  o.beta = s.number("beta", d.beta, {.lo = 0, .hi = 1});
  o.beta_steps = s.integer("beta_steps", d.beta_steps, 0);
  o.priority_epsilon = s.number("priority_epsilon", d.priority_epsilon, {.lo = 0, .lo_open = true});
  return o;
}

// A config's value for a setting that a DQN run fixes: absent is filled in, another is refused.
void require_setting(Json& config, const std::string& key, const Json& value, const std::string& why) {
  if (!config.contains(key)) {
    config[key] = value;
  } else if (config[key] != value) {
    fail(key, "expected " + value.dump() + " for a dqn learner (" + why + "), got " + describe(config[key]));
  }
}

}  // namespace

std::unique_ptr<rl::Environment> build_environment(const Json& spec, const std::string& path, std::uint64_t seed,
                                                   Json& resolved) {
  const Json object = spec.is_string() ? Json{{"name", spec}} : spec;  // a Section reads it in place
  Section s(object, path, "environment");
  s.text("name", std::nullopt, {"CartPole-v1"});
  const rl::CartPoleOptions d;
  rl::CartPoleOptions o{.seed = seed};
  o.max_episode_steps = s.integer("max_episode_steps", d.max_episode_steps, 1);
  const Json* pixels = s.raw("pixels");
  std::unique_ptr<rl::Environment> env;
  if (pixels && !pixels->is_null()) {
    // The screen through the lecture's preprocessing (rl/pixels.h).
    Section p(*pixels, s.path_of("pixels"), "pixels");
    const rl::CartPolePixelsOptions pd;
    rl::CartPolePixelsOptions po{.cartpole = o};
    po.frames = p.integer("frames", pd.frames, 0);
    po.height = p.integer("height", pd.height, 1);
    po.width = p.integer("width", pd.width, 1);
    p.finish();
    s.set("pixels", p.resolved());
    env = rl::make_cartpole_pixels(po);
  } else {
    s.set("pixels", nullptr);
    env = std::make_unique<rl::CartPole>(o);
  }
  s.finish();
  resolved = s.resolved();
  return env;
}

rl::DqnOptions build_dqn_options(const Json& spec, const std::string& path, std::uint64_t seed, Json& resolved) {
  Section s(spec, path, "dqn");
  const rl::DqnOptions d;
  rl::DqnOptions o{.seed = seed};
  o.gamma = s.number("gamma", d.gamma, {.lo = 0, .hi = 1});
  o.batch_size = s.integer("batch_size", d.batch_size, 1);
  o.learning_starts = s.integer("learning_starts", d.learning_starts, 0);
  o.train_frequency = s.integer("train_frequency", d.train_frequency, 1);
  o.gradient_steps = s.integer("gradient_steps", d.gradient_steps, 1);
  o.target_update_interval = s.integer("target_update_interval", d.target_update_interval, 1);
  o.tau = s.number("tau", d.tau, {.lo = 0, .hi = 1, .lo_open = true});
  o.epsilon_start = s.number("epsilon_start", d.epsilon_start, {.lo = 0, .hi = 1});
  o.epsilon_end = s.number("epsilon_end", d.epsilon_end, {.lo = 0, .hi = 1});
  o.exploration_steps = s.integer("exploration_steps", d.exploration_steps, 1);
  o.double_dqn = s.boolean("double_dqn", d.double_dqn);
  o.huber_beta = s.number("huber_beta", d.huber_beta, {.lo = 0, .lo_open = true});
  {
    const Json* given = s.raw("replay");
    const Json replay = given ? *given : Json::object();  // a Section reads it in place
    Section r(replay, s.path_of("replay"), "replay");
    o.replay = replay_options(r, seed + 1);
    r.finish();
    s.set("replay", r.resolved());
  }
  o.checkpoint_replay = s.boolean("checkpoint_replay", d.checkpoint_replay);
  o.eval_seed = std::uint64_t(s.integer("eval_seed", std::int64_t(d.eval_seed), 0));
  s.finish();
  resolved = s.resolved();
  return o;
}

LearnerExperiment build_dqn_experiment(const Json& given, const BuildOptions& options) {
  // One loop step is one environment step: the loop's batches hold one placeholder, in order.
  Json config = given;
  require_setting(config, "batch_size", 1, "one loop step is one environment step; dqn.batch_size sets the updates'");
  require_setting(config, "shuffle", false, "the loop's examples only count environment steps");
  require_setting(config, "validation_split", 0, "evaluation runs episodes of its own");
  for (const char* key : {"data", "loss", "schedule", "augment"})
    if (config.contains(key))
      fail(key, "a dqn learner takes no \"" + std::string(key) + "\": it learns from its \"environment\" with the Huber loss of \"dqn\"");

  Section top(config, "", "the config");
  LearnerExperiment e;
  e.settings = read_settings(top);
  const std::uint64_t seed = e.settings.seed;
  Json r;

  const Json* learner_spec = top.raw("learner");
  const Json learner_object = learner_spec->is_string() ? Json{{"type", *learner_spec}} : *learner_spec;
  Section learner(learner_object, "learner", "learner");
  learner.text("type", std::nullopt, {"dqn"});
  const std::int64_t steps_per_epoch = learner.integer("steps_per_epoch", kDqnStepsPerEpoch, 1);
  const std::int64_t eval_episodes = learner.integer("eval_episodes", kDqnEvalEpisodes, 0);
  learner.finish();
  top.set("learner", learner.resolved());
  BuiltLearner& b = e.learner;
  b.type = "dqn";

  const Json* env = top.raw("environment");
  if (!env) fail("environment", "missing; expected {\"name\": \"CartPole-v1\"}");
  Json env_resolved;
  b.environments.push_back(build_environment(*env, "environment", seed, env_resolved));
  b.environments.push_back(build_environment(env_resolved, "environment", seed, r));  // evaluation: its own copy
  top.set("environment", env_resolved);
  const rl::Space& observations = b.environments[0]->observation_space();
  const rl::Space& actions = b.environments[0]->action_space();

  e.data.train = placeholder_steps(steps_per_epoch);
  if (eval_episodes > 0) e.data.test = placeholder_steps(eval_episodes);
  e.data.input_shape = dims_of(observations.shape);
  if (!e.data.test) e.settings.validate = false;

  const Json* model = top.raw("model");
  if (!model) fail("model", "missing; expected the Q-network as {\"layers\": [...]}");
  Generator gen(seed);
  BuiltModel online = build_model(*model, "model", e.data.input_shape, options.dtype, gen, r);
  if (online.output_shape != std::vector<std::int64_t>{actions.n})
    fail("model", "expected one Q-value per action of " + b.environments[0]->name() + " (output [" +
                      std::to_string(actions.n) + "]), got " + shape_text(online.output_shape));
  top.set("model", r);
  Json unused;
  Generator target_gen(seed);  // the same weights; the learner copies the online ones anyway
  BuiltModel target = build_model(r, "model", e.data.input_shape, options.dtype, target_gen, unused);

  const Json* opt = top.raw("optimizer");
  b.optimizers.push_back(build_optimizer(opt ? *opt : Json("adam"), "optimizer", online.model->parameters(), r));
  top.set("optimizer", r);
  const Json* dqn = top.raw("dqn");
  const rl::DqnOptions dqn_options = build_dqn_options(dqn ? *dqn : Json::object(), "dqn", seed + 1, r);
  top.set("dqn", r);
  try {
    b.learner = std::make_unique<rl::DqnLearner>(*online.model, *target.model, *b.optimizers[0], *b.environments[0],
                                                 dqn_options, b.environments[1].get());
  } catch (const Error& error) {
    fail("dqn", error.what());  // a combination the learner refuses (the buffer against the observations)
  }
  b.models = {std::move(online), std::move(target)};

  const Json* callbacks = top.raw("callbacks");
  e.callbacks = build_callbacks(callbacks ? *callbacks : Json(), "callbacks", options.run_dir, r);
  top.set("callbacks", r);
  top.finish();
  e.resolved = top.resolved();
  return e;
}

void limit_dqn_config(Json& config, std::optional<std::int64_t> steps, std::optional<std::int64_t> episodes) {
  if (!steps && !episodes) return;
  Json& learner = config["learner"];
  if (learner.is_string()) learner = Json{{"type", learner}};
  if (!learner.is_object()) return;
  auto limit = [&](const char* key, std::optional<std::int64_t> most, std::int64_t fallback) {
    if (!most) return;
    const Json& given = learner.contains(key) ? learner[key] : Json(fallback);
    if (given.is_number_integer()) learner[key] = std::min(given.get<std::int64_t>(), *most);
  };
  limit("steps_per_epoch", steps, kDqnStepsPerEpoch);
  limit("eval_episodes", episodes, kDqnEvalEpisodes);
}

}  // namespace soma::config
