// Tests for io::Checkpoint, save_checkpoint and load_checkpoint: components under prefixes
// round-trip (model, optimizer-style map), metadata numbers come back exactly, a generator
// resumes its sequence, misuse is reported, and a failed save keeps the previous checkpoint.
#include "soma/io/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <limits>

#include "io/io_test_util.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/io/safetensors.h"
#include "soma/io/weights.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/sequential.h"

namespace {

using soma::DType;
using soma::Generator;
using soma::Tensor;
using soma::io::Checkpoint;
using soma::io::load_checkpoint;
using soma::io::save_checkpoint;
using soma::test::error_of;
using soma::test::same_tensor;
namespace io = soma::io;
namespace nn = soma::nn;

class IoCheckpoint : public soma::test::IoTest {};

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

nn::Sequential mlp(std::uint64_t seed) {
  Generator gen(seed);
  return nn::Sequential{nn::Dense(2, 4, gen), nn::ReLU(), nn::Dense(4, 1, gen)};
}

// What an optimizer's state_dict() looks like: a map with a step counter, the lr and slots.
std::map<std::string, Tensor> optimizer_state() {
  return {{"step", soma::scalar(120, DType::i64)},
          {"lr", soma::scalar(3e-4, DType::f64)},
          {"state.0.exp_avg", soma::full({4, 2}, 0.5)},
          {"state.0.exp_avg_sq", soma::full({4, 2}, 0.01)}};
}

}  // namespace

TEST_F(IoCheckpoint, ComponentsAndMetadataRoundTrip) {
  auto net = mlp(1);
  Generator gen(99);
  gen.normal();  // leaves a spare normal in the state
  Checkpoint ckpt;
  ckpt.add("model", io::state_dict(net));
  ckpt.add("optimizer", optimizer_state());
  ckpt.set_integer("epoch", 7);
  ckpt.set_integer("step", -1);
  ckpt.set_real("lr", 0.1);
  ckpt.set_real("tiny", 5e-324);
  ckpt.set_real("nan", std::nan(""));
  ckpt.set_real("inf", -INFINITY);
  ckpt.set_text("rng.init", gen.state());
  ckpt.set_text("loader", "{\"epoch\": 7, \"position\": 640}");
  save_checkpoint(path("ckpt.safetensors"), ckpt);

  const Checkpoint back = load_checkpoint(path("ckpt.safetensors"));
  EXPECT_EQ(back.metadata, ckpt.metadata);  // the layout version is not handed back
  ASSERT_EQ(back.tensors.size(), ckpt.tensors.size());
  for (std::size_t i = 0; i < ckpt.tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, ckpt.tensors[i].first);
    EXPECT_TRUE(same_tensor(back.tensors[i].second, ckpt.tensors[i].second)) << ckpt.tensors[i].first;
  }
  EXPECT_EQ(back.tensors[0].first, "model.layers.0.weight");
  EXPECT_EQ(back.integer("epoch"), 7);
  EXPECT_EQ(back.integer("step"), -1);
  EXPECT_EQ(back.real("lr"), 0.1);
  EXPECT_EQ(back.real("tiny"), 5e-324);
  EXPECT_TRUE(std::isnan(back.real("nan")));
  EXPECT_EQ(back.real("inf"), -INFINITY);

  // Resuming: the model, the optimizer map and the generator continue where they were.
  auto resumed = mlp(2);
  io::load_state_dict(resumed, back.take("model"));
  const Tensor x = soma::tensor({{0.3, -1.0}, {2.0, 0.5}});
  {
    soma::NoGradGuard no_grad;
    EXPECT_TRUE(same_tensor(resumed(x), net(x)));
  }
  const auto optimizer = back.take_map("optimizer");
  ASSERT_EQ(optimizer.size(), 4u);
  EXPECT_EQ(optimizer.at("step").item(), 120);
  EXPECT_TRUE(same_tensor(optimizer.at("state.0.exp_avg_sq"), soma::full({4, 2}, 0.01)));
  Generator restored;
  restored.set_state(back.text("rng.init"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(restored.normal(), gen.normal());
}

TEST_F(IoCheckpoint, TakeMatchesWholePrefixComponents) {
  Checkpoint ckpt;
  ckpt.add("model", {{"w", soma::ones({1})}});
  ckpt.add("model_ema", {{"w", soma::zeros({1})}});
  ckpt.add("optimizer.state", {{"0.m", soma::ones({2})}});
  EXPECT_EQ(ckpt.take("model").size(), 1u);
  EXPECT_EQ(ckpt.take("model")[0].first, "w");
  EXPECT_EQ(ckpt.take("model")[0].second.item(), 1);
  EXPECT_EQ(ckpt.take("optimizer").at(0).first, "state.0.m");
  EXPECT_EQ(ckpt.take("optimizer.state").at(0).first, "0.m");
  EXPECT_TRUE(ckpt.take("mod").empty());
  EXPECT_TRUE(ckpt.has("model_ema"));
  EXPECT_FALSE(ckpt.has("schedule"));
}

TEST_F(IoCheckpoint, MisuseIsReported) {
  Checkpoint ckpt;
  ckpt.add("model", {{"w", soma::ones({1})}});
  EXPECT_CONTAINS(error_of([&] { ckpt.add("model", {{"b", soma::ones({1})}, {"w", soma::ones({1})}}); }),
                  "a tensor named 'model.w' is already present");
  EXPECT_EQ(ckpt.tensors.size(), 1u);  // nothing added by the failed call
  EXPECT_CONTAINS(error_of([&] { ckpt.add("", {{"w", soma::ones({1})}}); }), "must be non-empty");
  EXPECT_CONTAINS(error_of([&] { ckpt.add("opt.", {{"w", soma::ones({1})}}); }), "must not end in '.'");
  EXPECT_CONTAINS(error_of([&] { ckpt.add("x", {{"w", Tensor()}}); }), "tensor 'w' added under 'x' is undefined");
  EXPECT_CONTAINS(error_of([&] { ckpt.text("epoch"); }), "no metadata entry 'epoch'");
  ckpt.set_text("epoch", "7.5");
  EXPECT_CONTAINS(error_of([&] { ckpt.integer("epoch"); }), "'epoch' is \"7.5\", expected an integer");
  ckpt.set_text("lr", "fast");
  EXPECT_CONTAINS(error_of([&] { ckpt.real("lr"); }), "'lr' is \"fast\", expected a number");
  ckpt.set_text("soma.checkpoint", "2");
  EXPECT_CONTAINS(error_of([&] { save_checkpoint(path("c.safetensors"), ckpt); }), "reserved");
  EXPECT_TRUE(listing().empty());
}

TEST_F(IoCheckpoint, PlainSafetensorsOrNewerLayoutIsRejected) {
  io::save_safetensors(path("weights.safetensors"), {{"w", soma::ones({1})}});
  EXPECT_CONTAINS(error_of([&] { load_checkpoint(path("weights.safetensors")); }),
                  "load_checkpoint '" + path("weights.safetensors") + "': not a soma checkpoint");
  io::save_safetensors(path("future.safetensors"), {}, {{"soma.checkpoint", "2"}});
  EXPECT_CONTAINS(error_of([&] { load_checkpoint(path("future.safetensors")); }), "layout version '2'");
}

TEST_F(IoCheckpoint, FailedSaveKeepsThePreviousCheckpoint) {
  Checkpoint first;
  first.add("model", {{"w", soma::full({4}, 1.0)}});
  first.set_integer("epoch", 1);
  save_checkpoint(path("ckpt.safetensors"), first);

  Checkpoint second;
  second.add("model", {{"w", soma::full({100000}, 2.0)}});  // 400 KB: fails past the limit below
  second.set_integer("epoch", 2);
  rlimit previous{};
  ::getrlimit(RLIMIT_FSIZE, &previous);
  rlimit limit = previous;
  limit.rlim_cur = 65536;
  auto handler = std::signal(SIGXFSZ, SIG_IGN);
  ::setrlimit(RLIMIT_FSIZE, &limit);
  const std::string message = error_of([&] { save_checkpoint(path("ckpt.safetensors"), second); });
  ::setrlimit(RLIMIT_FSIZE, &previous);
  std::signal(SIGXFSZ, handler);

  EXPECT_CONTAINS(message, path("ckpt.safetensors"));
  const Checkpoint back = load_checkpoint(path("ckpt.safetensors"));
  EXPECT_EQ(back.integer("epoch"), 1);
  EXPECT_TRUE(same_tensor(back.take("model")[0].second, soma::full({4}, 1.0)));
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.safetensors"});
}
