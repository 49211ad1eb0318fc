// DqnLearner: the acting path (epsilon-greedy on one observation, no graph), the update
// (Mnih et al. 2015 with the Huber loss; van Hasselt et al. 2016 for Double DQN; Schaul et al.
// 2016's importance weights with prioritized replay) and the target network's update.
#include "soma/rl/dqn.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/data/dataset.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/gather.h"
#include "soma/ops/loss.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma::rl {

namespace {

// The one module tree a DQN trains: the online and target networks as children (not owned).
class Networks : public nn::Module {
 public:
  Networks(nn::Module& online, nn::Module& target) : online_(online) {
    register_module("online", std::shared_ptr<nn::Module>(std::shared_ptr<nn::Module>(), &online));
    register_module("target", std::shared_ptr<nn::Module>(std::shared_ptr<nn::Module>(), &target));
  }
  Tensor forward(const Tensor& x) override { return online_(x); }
  std::string type_name() const override { return "Dqn"; }

 private:
  nn::Module& online_;
};

// The index of the largest of q's n values (the first at a tie, as torch.argmax).
std::int64_t argmax_row(const Tensor& q) {
  return dispatch_floating(q.dtype(), "greedy_action", [&]<class T>() {
    const T* p = q.data<T>();
    return std::int64_t(std::max_element(p, p + q.numel()) - p);
  });
}

struct Episode {
  double ret = 0;
  std::int64_t length = 0;
};

Episode greedy_episode(nn::Module& q_network, Environment& env, std::uint64_t seed) {
  Episode e;
  Tensor obs = env.reset(seed);
  for (bool done = false; !done;) {
    const EnvStep s = env.step(greedy_action(q_network, obs));
    e.ret += s.reward;
    ++e.length;
    done = s.terminated || s.truncated;
    obs = s.observation;
  }
  return e;
}

// Mixes `from` into `to`: to = tau from + (1 - tau) to (tau = 1: a copy).
void blend(const Tensor& from, Tensor& to, double tau) {
  SOMA_CHECK(from.shape() == to.shape() && from.dtype() == to.dtype(), "DqnLearner: the target network's tensor ",
             to.shape(), " does not match the online network's ", from.shape(), "; give both the same architecture");
  if (tau == 1) {
    std::memcpy(to.raw_data(), from.raw_data(), from.numel() * size_of(from.dtype()));
    return;
  }
  dispatch_floating(to.dtype(), "DqnLearner: target update", [&]<class T>() {
    const T* f = from.data<T>();
    T* t = to.data<T>();
    for (std::int64_t i = 0; i < to.numel(); ++i) t[i] = T(tau * f[i] + (1 - tau) * t[i]);
  });
}

}  // namespace

DqnLearner::DqnLearner(nn::Module& online, nn::Module& target, optim::Optimizer& optimizer, Environment& env,
                       DqnOptions options, Environment* eval_env)
    : online_(online), target_(target), opt_(optimizer), env_(env), eval_env_(eval_env), options_(std::move(options)),
      model_(std::make_shared<Networks>(online, target)),
      replay_(env.observation_space(), options_.replay),
      acting_(options_.seed) {
  const DqnOptions& o = options_;
  SOMA_CHECK(o.gamma >= 0 && o.gamma <= 1, "DqnLearner: gamma must be in [0, 1], got ", o.gamma);
  SOMA_CHECK(o.batch_size >= 1, "DqnLearner: batch_size must be >= 1, got ", o.batch_size);
  SOMA_CHECK(o.learning_starts >= 0, "DqnLearner: learning_starts must be >= 0, got ", o.learning_starts);
  SOMA_CHECK(o.train_frequency >= 1, "DqnLearner: train_frequency must be >= 1, got ", o.train_frequency);
  SOMA_CHECK(o.gradient_steps >= 0, "DqnLearner: gradient_steps must be >= 0, got ", o.gradient_steps);
  SOMA_CHECK(o.target_update_interval >= 1, "DqnLearner: target_update_interval must be >= 1, got ",
             o.target_update_interval);
  SOMA_CHECK(o.tau > 0 && o.tau <= 1, "DqnLearner: tau must be in (0, 1], got ", o.tau);
  SOMA_CHECK(o.epsilon_start >= 0 && o.epsilon_start <= 1 && o.epsilon_end >= 0 && o.epsilon_end <= 1,
             "DqnLearner: epsilon_start and epsilon_end must be in [0, 1], got ", o.epsilon_start, " and ",
             o.epsilon_end);
  SOMA_CHECK(o.exploration_steps >= 1, "DqnLearner: exploration_steps must be >= 1, got ", o.exploration_steps);
  SOMA_CHECK(o.huber_beta >= 0, "DqnLearner: huber_beta must be >= 0, got ", o.huber_beta);
  SOMA_CHECK(env.action_space().kind == Space::Kind::discrete && env.action_space().n >= 1,
             "DqnLearner: needs a discrete action space; ", env.name(), "'s is not");
  SOMA_CHECK(&online != &target, "DqnLearner: the online and target networks must be two modules");
  actions_ = env.action_space().n;
  const auto p = online.parameters(), t = target.parameters();
  SOMA_CHECK(p.size() == t.size(), "DqnLearner: the target network has ", t.size(), " parameters, the online one ",
             p.size(), "; give both the same architecture");
  const double tau = options_.tau;
  options_.tau = 1;
  update_target();  // the target starts as a copy
  options_.tau = tau;
}

std::vector<std::pair<std::string, Generator*>> DqnLearner::generators() {
  return {{"acting", &acting_}, {"replay", &replay_.generator()}, {"env", &env_.generator()}};
}

double DqnLearner::epsilon() const {
  const double done = std::min(1.0, double(env_steps_) / double(options_.exploration_steps));
  return options_.epsilon_start + done * (options_.epsilon_end - options_.epsilon_start);
}

std::int64_t DqnLearner::act(const Tensor& observation) {
  if (acting_.uniform() < epsilon()) return std::int64_t(acting_.below(std::uint64_t(actions_)));
  nn::ModeGuard mode(online_);
  online_.eval();  // one observation: batch norm must use its running statistics
  return greedy_action(online_, observation);
}

void DqnLearner::update_target() {
  NoGradGuard no_grad;
  const auto from = online_.named_parameters(), to = target_.named_parameters();
  for (std::size_t i = 0; i < from.size(); ++i) {
    Tensor t = to[i].second;
    blend(from[i].second, t, options_.tau);
  }
  // Buffers (batch norm's running statistics) are copied, as Stable-Baselines3 does.
  const auto bf = online_.named_buffers(), bt = target_.named_buffers();
  SOMA_CHECK(bf.size() == bt.size(), "DqnLearner: the target network has ", bt.size(), " buffers, the online one ",
             bf.size(), "; give both the same architecture");
  for (std::size_t i = 0; i < bf.size(); ++i) {
    Tensor t = bt[i].second;
    blend(bf[i].second, t, 1);
  }
}

std::pair<double, double> DqnLearner::update() {
  const ReplaySample b = replay_.sample(options_.batch_size);
  const std::int64_t B = options_.batch_size;
  Tensor y({B}, DType::f32);
  {
    // TD target y = r + gamma (1 - terminated) Q_target(s', a'), a' = argmax of the target's
    // (DQN) or the online network's (Double DQN) Q-values; no graph.
    NoGradGuard no_grad;
    nn::ModeGuard target_mode(target_);
    target_.eval();
    const Tensor next_q = target_(b.next_observations).to(DType::f32);
    SOMA_CHECK(next_q.dim() == 2 && next_q.size(0) == B && next_q.size(1) == actions_,
               "DqnLearner: the network must give Q-values [N, ", actions_, "] for [N, ...] observations, gave ",
               next_q.shape(), " for ", b.next_observations.shape());
    Tensor next_online;
    if (options_.double_dqn) {
      nn::ModeGuard online_mode(online_);
      online_.eval();
      next_online = online_(b.next_observations).to(DType::f32);
    }
    const float* nq = next_q.data<float>();
    const float* r = b.rewards.data<float>();
    const float* done = b.terminated.data<float>();
    float* py = y.data<float>();
    for (std::int64_t i = 0; i < B; ++i) {
      const float* row = nq + i * actions_;
      std::int64_t a = 0;
      if (options_.double_dqn) {
        const float* on = next_online.data<float>() + i * actions_;
        a = std::max_element(on, on + actions_) - on;
      } else {
        a = std::max_element(row, row + actions_) - row;
      }
      py[i] = float(r[i] + options_.gamma * (1 - done[i]) * row[a]);
    }
  }
  const Tensor q = online_(b.observations);
  SOMA_CHECK(q.dim() == 2 && q.size(0) == B && q.size(1) == actions_, "DqnLearner: the network must give Q-values [N, ",
             actions_, "] for [N, ...] observations, gave ", q.shape(), " for ", b.observations.shape());
  const Tensor q_sa = reshape(gather(q, 1, reshape(b.actions, {B, 1})), {B});
  const Tensor target_y = q_sa.dtype() == DType::f32 ? y : y.to(q_sa.dtype());
  Tensor loss;
  if (replay_.priorities()) {
    const Tensor w = b.weights.dtype() == q_sa.dtype() ? b.weights : b.weights.to(q_sa.dtype());
    loss = mean(smooth_l1_loss(q_sa, target_y, options_.huber_beta, Reduction::none) * w);
  } else {
    loss = smooth_l1_loss(q_sa, target_y, options_.huber_beta);
  }
  loss.backward();
  apply_step(opt_);
  ++updates_;
  const Tensor qd = q_sa.detach().to(DType::f64);
  double q_mean = 0;
  for (std::int64_t i = 0; i < B; ++i) q_mean += qd.data<double>()[i];
  if (replay_.priorities()) {
    std::vector<double> td(B);
    for (std::int64_t i = 0; i < B; ++i) td[i] = qd.data<double>()[i] - double(y.data<float>()[i]);
    replay_.update_priorities(b.ids, td);
  }
  return {loss.item(), q_mean / double(B)};
}

train::StepResult DqnLearner::train_step(const data::Batch&) {
  if (!observation_.defined()) observation_ = env_.reset(options_.seed);
  train::StepResult out;
  out.examples = 1;
  out.values["epsilon"] = epsilon();
  const std::int64_t action = act(observation_);
  const EnvStep s = env_.step(action);
  replay_.add(observation_, action, s.reward, s.observation, s.terminated, s.truncated);
  ++env_steps_;
  episode_return_ += s.reward;
  ++episode_length_;
  if (s.terminated || s.truncated) {
    out.values["episode_return"] = episode_return_;
    out.values["episode_length"] = double(episode_length_);
    episode_return_ = 0;
    episode_length_ = 0;
    ++episodes_;
    observation_ = env_.reset();
  } else {
    observation_ = s.observation;
  }
  if (env_steps_ > options_.learning_starts && env_steps_ % options_.train_frequency == 0 &&
      options_.gradient_steps > 0) {
    double loss = 0, q = 0;
    for (std::int64_t i = 0; i < options_.gradient_steps; ++i) {
      const auto [l, m] = update();
      loss += l, q += m;
    }
    out.values["loss"] = loss / double(options_.gradient_steps);
    out.values["q"] = q / double(options_.gradient_steps);
  }
  if (env_steps_ % options_.target_update_interval == 0) update_target();
  return out;
}

train::StepResult DqnLearner::evaluate_step(const data::Batch& batch) {
  SOMA_CHECK(eval_env_, "DqnLearner: evaluation needs an evaluation environment (the constructor's eval_env)");
  const Tensor ids = batch.x.to(DType::i64);
  train::StepResult out;
  out.examples = ids.numel();
  double ret = 0, length = 0;
  for (std::int64_t j = 0; j < ids.numel(); ++j) {
    const Episode e = greedy_episode(online_, *eval_env_, options_.eval_seed + std::uint64_t(ids.data<std::int64_t>()[j]));
    ret += e.ret;
    length += double(e.length);
  }
  out.values["episode_return"] = ret / double(out.examples);
  out.values["episode_length"] = length / double(out.examples);
  return out;
}

std::map<std::string, Tensor> DqnLearner::state_dict() const {
  std::map<std::string, Tensor> state;
  state["counters"] = tensor({double(env_steps_), double(updates_), double(episodes_), double(episode_length_),
                              observation_.defined() ? 1.0 : 0.0},
                             DType::i64);
  state["episode_return"] = scalar(episode_return_, DType::f64);
  if (observation_.defined()) state["observation"] = observation_.copy();
  for (const auto& [key, t] : env_.state_dict()) state["env." + key] = t;
  if (options_.checkpoint_replay)
    for (const auto& [key, t] : replay_.state_dict()) state["replay." + key] = t;
  return state;
}

void DqnLearner::load_state_dict(const std::map<std::string, Tensor>& state) {
  const auto find = [&](const std::string& key) -> const Tensor& {
    const auto it = state.find(key);
    SOMA_CHECK(it != state.end(), "DqnLearner: load_state_dict: no entry '", key, "'");
    return it->second;
  };
  const Tensor& counters = find("counters");
  SOMA_CHECK(counters.dtype() == DType::i64 && counters.numel() == 5,
             "DqnLearner: load_state_dict: 'counters' must be int64 [5], got ", counters.shape());
  const std::int64_t* c = counters.data<std::int64_t>();
  std::map<std::string, Tensor> env_state, replay_state;
  for (const auto& [key, t] : state) {
    if (key.starts_with("env.")) env_state[key.substr(4)] = t;
    if (key.starts_with("replay.")) replay_state[key.substr(7)] = t;
  }
  SOMA_CHECK(!options_.checkpoint_replay || !replay_state.empty(),
             "DqnLearner: load_state_dict: no replay buffer in the state, and checkpoint_replay is on");
  env_.load_state_dict(env_state);
  if (options_.checkpoint_replay) replay_.load_state_dict(replay_state);
  env_steps_ = c[0], updates_ = c[1], episodes_ = c[2], episode_length_ = c[3];
  episode_return_ = find("episode_return").item();
  observation_ = c[4] ? find("observation").copy() : Tensor();
}

std::int64_t greedy_action(nn::Module& q_network, const Tensor& observation) {
  NoGradGuard no_grad;
  Shape shape{1};
  for (std::int64_t d : observation.shape()) shape.push_back(d);
  const Tensor q = q_network(reshape(observation, shape));
  SOMA_CHECK(q.dim() == 2 && q.size(0) == 1, "greedy_action: the network must give Q-values [1, actions] for one ",
             "observation ", shape, ", gave ", q.shape());
  return argmax_row(q);
}

std::vector<double> evaluate_greedy(nn::Module& q_network, Environment& env, std::int64_t episodes,
                                    std::uint64_t seed) {
  SOMA_CHECK(episodes >= 1, "evaluate_greedy: episodes must be >= 1, got ", episodes);
  nn::ModeGuard mode(q_network);
  q_network.eval();
  std::vector<double> returns;
  for (std::int64_t j = 0; j < episodes; ++j) returns.push_back(greedy_episode(q_network, env, seed + std::uint64_t(j)).ret);
  return returns;
}

std::shared_ptr<data::Dataset> steps(std::int64_t n) {
  SOMA_CHECK(n >= 1, "rl::steps: n must be >= 1, got ", n);
  return std::make_shared<data::TensorDataset>(arange(double(n), DType::i64));
}

}  // namespace soma::rl
