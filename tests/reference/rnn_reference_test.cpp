// Reference-value tests against PyTorch for nn::RNN (tanh, ReLU), nn::LSTM and nn::GRU, 1 and
// 2 layers, 8 steps, with and without biases: the outputs, the final states and the gradients
// of the input, the initial states and every parameter (by PyTorch's names), from
// tests/reference/data/rnn.json (written by make_rnn_reference.py; no Python runs here).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "reference/reference_support.h"
#include "soma/soma.h"

namespace soma::test::reference {
namespace {

std::unique_ptr<nn::Recurrent> make_layer(const Json& c) {
  const std::string cell = c.at("cell").get<std::string>();
  nn::RecurrentOptions o{.input_size = c.at("input_size").get<std::int64_t>(),
                         .hidden_size = c.at("hidden_size").get<std::int64_t>(),
                         .num_layers = c.at("num_layers").get<std::int64_t>(),
                         .bias = c.at("bias").get<bool>(),
                         .dtype = DType::f64};
  if (cell == "lstm") return std::make_unique<nn::LSTM>(o);
  if (cell == "gru") return std::make_unique<nn::GRU>(o);
  o.nonlinearity = cell == "rnn_relu" ? nn::Nonlinearity::relu : nn::Nonlinearity::tanh;
  return std::make_unique<nn::RNN>(o);
}

Tensor leaf(const Json& t) {
  Tensor v = decode(t);
  v.set_requires_grad();
  return v;
}

TEST(RnnReference, LayersMatchPyTorch) {
  const Json doc = load("rnn.json");
  ASSERT_EQ(doc.at("cases").size(), 10u);
  for (const Json& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(name);
    auto layer = make_layer(c);
    const auto params = layer->named_parameters();
    ASSERT_EQ(params.size(), c.at("parameters").size());
    for (const auto& [pname, p] : params) {  // PyTorch's weights, by PyTorch's names
      const Tensor v = decode(c.at("parameters").at(pname));
      ASSERT_EQ(v.shape(), p.shape()) << pname;
      std::memcpy(p.raw_data(), v.raw_data(), v.numel() * sizeof(double));
    }
    const bool lstm = c.at("cell") == "lstm";
    const Tensor x = leaf(c.at("x")), h0 = leaf(c.at("h0")), c0 = lstm ? leaf(c.at("c0")) : Tensor();
    const nn::RecurrentResult r = layer->forward(x, h0, c0);
    EXPECT_TRUE(matches(r.output, c.at("output"), kRtol, name + " output"));
    EXPECT_TRUE(matches(r.h_n, c.at("h_n"), kRtol, name + " h_n"));
    Tensor loss = sum(r.output * decode(c.at("projection_output"))) + sum(r.h_n * decode(c.at("projection_h_n")));
    if (lstm) {
      EXPECT_TRUE(matches(r.c_n, c.at("c_n"), kRtol, name + " c_n"));
      loss = loss + sum(r.c_n * decode(c.at("projection_c_n")));
    }
    loss.backward();
    const Json& g = c.at("gradients");
    EXPECT_TRUE(matches(x.grad(), g.at("x"), 1e-9, name + " grad x"));
    EXPECT_TRUE(matches(h0.grad(), g.at("h0"), 1e-9, name + " grad h0"));
    if (lstm) EXPECT_TRUE(matches(c0.grad(), g.at("c0"), 1e-9, name + " grad c0"));
    for (const auto& [pname, p] : params) EXPECT_TRUE(matches(p.grad(), g.at(pname), 1e-9, name + " grad " + pname));
  }
}

}  // namespace
}  // namespace soma::test::reference
