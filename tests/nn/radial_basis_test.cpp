// nn::RadialBasis: forward and gradients against tests/reference/make_radial_basis_reference.py
// (PyTorch, direct differences x - c), an RBF network's loss and parameter gradients, a float64
// gradient check in x, centres and widths, a value by hand, and shape errors.
#include "soma/nn/radial_basis.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reference/reference_support.h"
#include "soma/core/factory.h"
#include "soma/nn/dense.h"
#include "soma/nn/loss.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "support/assign_values.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

namespace ref = test::reference;

TEST(RadialBasis, ValueByHand) {
  nn::RadialBasis layer({.in = 2, .centres = 2, .dtype = DType::f64});
  test::assign_values(layer.centres(), tensor({0, 0, 3, 4}, {2, 2}, DType::f64));
  test::assign_values(layer.widths(), tensor({1, 5}, {2}, DType::f64));
  const Tensor phi = layer(tensor({3, 4}, {1, 2}, DType::f64));
  EXPECT_NEAR(phi.at({0, 0}), std::exp(-25.0 / 2), 1e-15);  // ‖(3,4)‖² = 25, σ = 1
  EXPECT_NEAR(phi.at({0, 1}), 1.0, 1e-15);                  // at its own centre
}

TEST(RadialBasisReference, ForwardAndGradientsMatchPyTorch) {
  const ref::Json file = ref::load("radial_basis.json");
  ASSERT_EQ(file.at("cases").size(), 2u);
  for (const auto& c : file.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Tensor x0 = ref::decode(c.at("x"));
    nn::RadialBasis layer({.in = x0.size(1), .centres = ref::decode(c.at("centres")).size(0), .dtype = DType::f64});
    test::assign_values(layer.centres(), ref::decode(c.at("centres")));
    test::assign_values(layer.widths(), ref::decode(c.at("widths")));
    Tensor x = x0.copy();
    x.set_requires_grad();
    const Tensor phi = layer(x);
    EXPECT_TRUE(ref::matches(phi, c.at("phi"), 1e-12, "phi"));
    sum(phi * ref::decode(c.at("r"))).backward();
    EXPECT_TRUE(ref::matches(x.grad(), c.at("grad_x"), 1e-10, "grad x"));
    EXPECT_TRUE(ref::matches(layer.centres().grad(), c.at("grad_centres"), 1e-10, "grad centres"));
    EXPECT_TRUE(ref::matches(layer.widths().grad(), c.at("grad_widths"), 1e-10, "grad widths"));

    // The network: RadialBasis -> Dense -> cross-entropy.
    for (Tensor p : layer.parameters()) p.zero_grad();  // a copy shares the parameter
    const Tensor W = ref::decode(c.at("W"));
    nn::Dense out({.in = W.size(1), .out = W.size(0), .dtype = DType::f64});
    test::assign_values(out.weight(), W);
    test::assign_values(out.bias(), ref::decode(c.at("b")));
    const Tensor loss = loss::CrossEntropy()(out(layer(x0)), ref::decode(c.at("labels")));
    EXPECT_NEAR(loss.item(), c.at("loss").get<double>(), 1e-12);
    loss.backward();
    EXPECT_TRUE(ref::matches(layer.centres().grad(), c.at("net_grad_centres"), 1e-10, "net grad centres"));
    EXPECT_TRUE(ref::matches(layer.widths().grad(), c.at("net_grad_widths"), 1e-10, "net grad widths"));
    EXPECT_TRUE(ref::matches(out.weight().grad(), c.at("net_grad_W"), 1e-10, "net grad W"));
    EXPECT_TRUE(ref::matches(out.bias().grad(), c.at("net_grad_b"), 1e-10, "net grad b"));
  }
}

TEST(RadialBasisGradcheck, XCentresAndWidths) {
  const Tensor widths = abs(test::random64({4}, 3)) + 0.8;
  EXPECT_TRUE(test::gradcheck([](const auto& in) { return nn::radial_basis(in[0], in[1], in[2]); },
                              {test::random64({5, 3}, 1), test::random64({4, 3}, 2), widths}));
}

TEST(RadialBasis, RejectsBadShapes) {
  EXPECT_THROW(nn::RadialBasis({.in = 0, .centres = 3}), Error);
  EXPECT_THROW(nn::RadialBasis({.in = 2, .centres = 3, .width = 0}), Error);
  nn::RadialBasis layer({.in = 2, .centres = 3});
  EXPECT_THROW(layer(zeros({4, 3})), Error);
  EXPECT_THROW(layer(zeros({4, 2}, DType::f64)), Error);
  EXPECT_THROW(layer.output_shape({4, 2, 1}), Error);
  EXPECT_EQ(layer.output_shape({4, 2}), (Shape{4, 3}));
  EXPECT_THROW(nn::radial_basis(zeros({2, 2}), zeros({3, 2}), zeros({2})), Error);
}

}  // namespace
}  // namespace soma
