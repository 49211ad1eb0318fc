// classic::kmeans and the RBFN fits (rbfn.h): k-means on points whose clusters are known by
// hand, nearest-centre widths by hand, the least-squares output layer against its optimality
// conditions (the residual is orthogonal to every column of [φ 1]), an RBFN that interpolates
// XOR exactly, and argument errors.
#include "soma/classic/rbfn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "soma/core/factory.h"
#include "soma/nn/sequential.h"
#include "soma/ops/reduction.h"
#include "support/assign_values.h"

namespace soma {
namespace {

TEST(KMeans, TwoClustersOnALineByHand) {
  Generator gen(1);
  const auto r = classic::kmeans(tensor({0, 1, 10, 11}, {4, 1}, DType::f64), {.k = 2}, gen);
  std::vector<double> c{r.centres.data<double>()[0], r.centres.data<double>()[1]};
  std::sort(c.begin(), c.end());
  EXPECT_DOUBLE_EQ(c[0], 0.5);
  EXPECT_DOUBLE_EQ(c[1], 10.5);
  EXPECT_DOUBLE_EQ(r.inertia, 4 * 0.25);
  const std::int64_t* a = r.assignments.data<std::int64_t>();
  EXPECT_EQ(a[0], a[1]);
  EXPECT_EQ(a[2], a[3]);
  EXPECT_NE(a[0], a[2]);
}

TEST(KMeans, FindsThreeSeparatedBlobs) {
  Generator gen(2);
  const double means[3][2] = {{0, 0}, {10, 0}, {0, 10}};
  Tensor x = empty({300, 2}, DType::f64);
  for (int i = 0; i < 300; ++i)
    for (int t = 0; t < 2; ++t) x.data<double>()[i * 2 + t] = means[i % 3][t] + 0.5 * gen.normal();
  const auto r = classic::kmeans(x, {.k = 3}, gen);
  for (const auto& m : means) {  // every true mean has a centre within 0.2 (the sampling error is ~0.05)
    double best = 1e9;
    for (int j = 0; j < 3; ++j)
      best = std::min(best, std::hypot(r.centres.at({j, 0}) - m[0], r.centres.at({j, 1}) - m[1]));
    EXPECT_LT(best, 0.2);
  }
}

TEST(KMeans, RejectsBadArguments) {
  Generator gen(0);
  EXPECT_THROW(classic::kmeans(zeros({3, 2}), {.k = 4}, gen), Error);
  EXPECT_THROW(classic::kmeans(zeros({3, 2}), {.k = 0}, gen), Error);
  EXPECT_THROW(classic::kmeans(zeros({3}), {.k = 1}, gen), Error);
  EXPECT_THROW(classic::squared_distances(zeros({3, 2}), zeros({3, 3})), Error);
}

TEST(Rbfn, NearestCentreWidthsByHand) {
  const Tensor w = classic::nearest_centre_widths(tensor({0, 0, 3, 4, 3, 5}, {3, 2}, DType::f64), 2.0);
  EXPECT_DOUBLE_EQ(w.data<double>()[0], 10.0);  // ‖(3,4)‖ = 5, twice
  EXPECT_DOUBLE_EQ(w.data<double>()[1], 2.0);
  EXPECT_DOUBLE_EQ(w.data<double>()[2], 2.0);
  EXPECT_THROW(classic::nearest_centre_widths(zeros({1, 2}, DType::f64)), Error);
  EXPECT_THROW(classic::nearest_centre_widths(zeros({3, 2}, DType::f64)), Error);
}

TEST(Rbfn, InitPutsCentresAtKMeansAndWidthsAtTheNearestCentre) {
  Generator gen(3);
  nn::RadialBasis layer({.in = 1, .centres = 2, .dtype = DType::f64});
  const auto r = classic::init_radial_basis(layer, tensor({0, 1, 10, 11}, {4, 1}, DType::f64), {}, gen);
  EXPECT_DOUBLE_EQ(layer.centres().at({0, 0}), r.centres.at({0, 0}));
  EXPECT_DOUBLE_EQ(layer.widths().at({0}), 10.0);
  EXPECT_DOUBLE_EQ(layer.widths().at({1}), 10.0);
}

TEST(Rbfn, LeastSquaresResidualIsOrthogonalToTheDesign) {
  Generator gen(4);
  const std::int64_t n = 60, k = 6, outs = 2;
  const Tensor x = normal({n, 3}, 0, 1, gen, DType::f64), y = normal({n, outs}, 0, 1, gen, DType::f64);
  nn::RadialBasis layer({.in = 3, .centres = k, .width = 1.5, .dtype = DType::f64}, gen);
  nn::Dense out({.in = k, .out = outs, .dtype = DType::f64}, gen);
  const double mse = classic::fit_output_least_squares(layer, out, x, y, 0.0);
  const Tensor phi = layer(x), pred = out(phi);
  double check_mse = 0;
  for (std::int64_t o = 0; o < outs; ++o) {
    double bias_dot = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      double dot = 0;
      for (std::int64_t i = 0; i < n; ++i) dot += (pred.at({i, o}) - y.at({i, o})) * phi.at({i, j});
      EXPECT_NEAR(dot, 0.0, 1e-9) << "output " << o << " column " << j;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      bias_dot += pred.at({i, o}) - y.at({i, o});
      check_mse += std::pow(pred.at({i, o}) - y.at({i, o}), 2) / double(n * outs);
    }
    EXPECT_NEAR(bias_dot, 0.0, 1e-9) << "output " << o << " bias";
  }
  EXPECT_NEAR(mse, check_mse, 1e-12);
  EXPECT_GT(mse, 0.1);  // 6 bumps cannot fit 60 random targets
}

TEST(Rbfn, InterpolatesXorWithACentreOnEachPoint) {
  Generator gen(5);
  const Tensor x = tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}, DType::f64);
  Tensor labels = empty({4}, DType::i64);
  for (int i = 0; i < 4; ++i) labels.data<std::int64_t>()[i] = (i == 1 || i == 2);
  nn::RadialBasis layer({.in = 2, .centres = 4, .dtype = DType::f64}, gen);
  nn::Dense out({.in = 4, .out = 2, .dtype = DType::f64}, gen);
  classic::init_radial_basis(layer, x, {}, gen);  // k = N: every point is a centre, σ = 1
  const double mse = classic::fit_output_least_squares(layer, out, x, labels, 1e-12);
  EXPECT_LT(mse, 1e-12);
  const Tensor pred = argmax(out(layer(x)), 1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pred.data<std::int64_t>()[i], labels.data<std::int64_t>()[i]);
}

TEST(Rbfn, LeastSquaresRejectsBadArguments) {
  nn::RadialBasis layer({.in = 2, .centres = 3, .dtype = DType::f64});
  nn::Dense out({.in = 3, .out = 2, .dtype = DType::f64}), wrong({.in = 4, .out = 2, .dtype = DType::f64});
  nn::Dense no_bias({.in = 3, .out = 2, .bias = false, .dtype = DType::f64});
  const Tensor x = zeros({5, 2}, DType::f64);
  Tensor labels = zeros({5}, DType::i64);
  EXPECT_THROW(classic::fit_output_least_squares(layer, wrong, x, labels), Error);
  EXPECT_THROW(classic::fit_output_least_squares(layer, no_bias, x, labels), Error);
  EXPECT_THROW(classic::fit_output_least_squares(layer, out, x, zeros({4}, DType::i64)), Error);
  EXPECT_THROW(classic::fit_output_least_squares(layer, out, x, labels, -1), Error);
  labels.data<std::int64_t>()[2] = 2;
  EXPECT_THROW(classic::fit_output_least_squares(layer, out, x, labels), Error);
  // Three equal centres: the columns of φ coincide and the normal equations are singular.
  test::assign_values(layer.centres(), zeros({3, 2}, DType::f64));
  EXPECT_THROW(classic::fit_output_least_squares(layer, out, x, zeros({5}, DType::i64), 0.0), Error);
}

}  // namespace
}  // namespace soma
