// Reference-value tests against PyTorch for the arithmetic, math, activation, reduction and
// linalg ops, and an SGD trajectory of a small Dense net. The values come from
// tests/reference/data/*.json (written by make_reference.py); nothing here runs Python.
// Losses and view ops are in reference_loss_view_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "reference/reference_support.h"
#include "soma/soma.h"

namespace soma::test::reference {
namespace {

// Binary ops take (a, b); unary ops x; args as written by the generator.
OpFunction binary(Tensor (*f)(const Tensor&, const Tensor&)) {
  return [f](const std::vector<Tensor>& in, const Json&) { return f(in.at(0), in.at(1)); };
}
OpFunction unary(Tensor (*f)(const Tensor&)) {
  return [f](const std::vector<Tensor>& in, const Json&) { return f(in.at(0)); };
}
// Tensor-double operators: x op s, or s op x with args.left.
template <class Op>
OpFunction scalar_op(Op op) {
  return [op](const std::vector<Tensor>& in, const Json& args) {
    const double s = args.at("scalar").get<double>();
    return args.at("left").get<bool>() ? op(s, in.at(0)) : op(in.at(0), s);
  };
}
// Reductions over everything (no args.axis) or over args.axis with args.keepdim.
OpFunction reduce(Tensor (*all)(const Tensor&), Tensor (*along)(const Tensor&, int, bool)) {
  return [all, along](const std::vector<Tensor>& in, const Json& args) {
    if (!args.contains("axis")) return all(in.at(0));
    return along(in.at(0), args.at("axis").get<int>(), args.at("keepdim").get<bool>());
  };
}

TEST(ReferenceOps, ArithmeticWithBroadcastingMatchesPyTorch) {
  const OpTable table = {
      {"add", binary(add)},
      {"sub", binary(sub)},
      {"mul", binary(mul)},
      {"div", binary(div)},
      {"maximum", binary(maximum)},
      {"minimum", binary(minimum)},
      {"neg", unary(neg)},
      {"add_scalar", scalar_op([](auto a, auto b) { return a + b; })},
      {"sub_scalar", scalar_op([](auto a, auto b) { return a - b; })},
      {"mul_scalar", scalar_op([](auto a, auto b) { return a * b; })},
      {"div_scalar", scalar_op([](auto a, auto b) { return a / b; })},
  };
  check_group("arithmetic.json", table);
}

TEST(ReferenceOps, ElementwiseMathMatchesPyTorch) {
  const double inf = std::numeric_limits<double>::infinity();
  const OpTable table = {
      {"exp", unary(exp)},
      {"log", unary(log)},
      {"sqrt", unary(sqrt)},
      {"abs", unary(abs)},
      {"pow", [](const auto& in, const Json& args) { return pow(in.at(0), args.at("p").get<double>()); }},
      {"clamp",
       [inf](const auto& in, const Json& args) {
         return clamp(in.at(0), number_arg(args, "min", -inf), number_arg(args, "max", inf));
       }},
  };
  check_group("math.json", table);
}

TEST(ReferenceOps, ActivationsMatchPyTorch) {
  const OpTable table = {
      {"sigmoid", unary(sigmoid)},
      {"tanh", unary(tanh)},
      {"relu", unary(relu)},
      {"leaky_relu",
       [](const auto& in, const Json& args) {  // no slope given: soma's default must be PyTorch's 0.01
         return args.contains("negative_slope") ? leaky_relu(in.at(0), args.at("negative_slope").get<double>())
                                                : leaky_relu(in.at(0));
       }},
      {"threshold",
       [](const auto& in, const Json& args) {
         return args.contains("at") ? threshold(in.at(0), args.at("at").get<double>()) : threshold(in.at(0));
       }},
      {"softmax", [](const auto& in, const Json& args) { return softmax(in.at(0), args.at("axis").get<int>()); }},
      {"log_softmax",
       [](const auto& in, const Json& args) { return log_softmax(in.at(0), args.at("axis").get<int>()); }},
  };
  check_group("activation.json", table);
}

TEST(ReferenceOps, ReductionsMatchPyTorch) {
  const OpTable table = {
      {"sum", reduce(sum, sum)},
      {"mean", reduce(mean, mean)},
      {"max", reduce(max, max)},
      {"min", reduce(min, min)},
      {"argmax", reduce(argmax, argmax)},
  };
  check_group("reduction.json", table);
}

TEST(ReferenceOps, MatmulAndLinearMatchPyTorch) {
  const OpTable table = {
      {"matmul", binary(matmul)},
      {"linear",
       [](const auto& in, const Json&) { return linear(in.at(0), in.at(1), in.size() > 2 ? in.at(2) : Tensor()); }},
  };
  check_group("linalg.json", table);
}

// Dense(3, 8) - Tanh - Dense(8, 4) - Sigmoid - Dense(4, 2) with PyTorch's initial weights,
// trained by plain SGD on MSE: the loss at each of the 100 steps and the final weights must
// match PyTorch's. Catches weight-layout, reduction and update-rule differences together.
TEST(ReferenceSGD, DenseNetTrajectoryOf100StepsMatchesPyTorch) {
  const Json doc = load("sgd_trajectory.json");
  nn::Sequential net;
  for (const Json& layer : doc.at("layers")) {
    const std::string type = layer.at("type").get<std::string>();
    if (type == "dense")
      net.push_back(nn::Dense(
          {.in = layer.at("in").get<std::int64_t>(), .out = layer.at("out").get<std::int64_t>(), .dtype = DType::f64}));
    else if (type == "tanh") net.push_back(nn::Tanh());
    else if (type == "sigmoid") net.push_back(nn::Sigmoid());
    else FAIL() << "sgd_trajectory.json: unknown layer type " << type;
  }
  // PyTorch names parameters "<index>.weight"; soma's Sequential names them "layers.<index>.weight".
  const auto params = net.named_parameters();
  ASSERT_EQ(params.size(), doc.at("initial").size());
  for (const auto& [name, p] : params) {
    const std::string torch_name = name.substr(std::string("layers.").size());
    ASSERT_TRUE(doc.at("initial").contains(torch_name)) << "no initial value for " << name;
    const Tensor init = decode(doc.at("initial").at(torch_name));
    ASSERT_EQ(init.shape(), p.shape()) << name;
    std::copy_n(init.data<double>(), init.numel(), p.data<double>());
  }

  const Tensor x = decode(doc.at("x")), y = decode(doc.at("y"));
  const auto losses = doc.at("losses").get<std::vector<double>>();
  ASSERT_EQ(losses.size(), doc.at("steps").get<std::size_t>());
  optim::SGD opt(net.parameters(), {.lr = doc.at("lr").get<double>()});
  for (std::size_t step = 0; step < losses.size(); ++step) {
    const Tensor loss = mse_loss(net(x), y);
    ASSERT_NEAR(loss.item(), losses[step], 1e-10 * std::abs(losses[step])) << "loss at step " << step;
    loss.backward();
    opt.step();
    opt.zero_grad();
  }
  for (const auto& [name, p] : params) {
    const std::string torch_name = name.substr(std::string("layers.").size());
    EXPECT_TRUE(matches(p, doc.at("final").at(torch_name), 1e-9, "final " + name));
  }
  EXPECT_LT(losses.back(), losses.front()) << "the recorded trajectory should descend";
}

}  // namespace
}  // namespace soma::test::reference
