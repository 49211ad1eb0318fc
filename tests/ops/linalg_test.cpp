// Tests of include/soma/ops/linalg.h: matmul in every documented case (2-D, [..., M, K] x [K, N],
// batched, the vector cases) and linear (with and without bias, 1-D to 3-D input). Forward values
// by hand in float32 and float64, float64 gradchecks on shapes small enough for the tiny-loop
// path and big enough for the library GEMM (src/kernels/gemm.cpp), float32 products against a
// naive double loop, and error messages naming both shapes or dtypes.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/linalg.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::values_near;
using In = const std::vector<Tensor>&;

// C[b] = A[b] B[b] (or B shared when b_batched is false) in double: the test's reference.
// A is [batch, M, K], B is [batch or 1, K, N]; the result is row-major [batch, M, N].
std::vector<double> naive_matmul(const Tensor& a, const Tensor& b, std::int64_t batch, std::int64_t M,
                                 std::int64_t K, std::int64_t N, bool b_batched) {
  const Tensor a64 = a.to(DType::f64), b64 = b.to(DType::f64);
  const double *pa = a64.data<double>(), *pb = b64.data<double>();
  std::vector<double> c(batch * M * N, 0);
  for (std::int64_t s = 0; s < batch; ++s)
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t k = 0; k < K; ++k) {
        const double av = pa[(s * M + i) * K + k];
        const double* brow = pb + ((b_batched ? s : 0) * K + k) * N;
        double* crow = c.data() + (s * M + i) * N;
        for (std::int64_t j = 0; j < N; ++j) crow[j] += av * brow[j];
      }
  return c;
}

// Largest |got - want| (got any float tensor), for the float32 comparisons.
double max_abs_diff(const Tensor& got, const std::vector<double>& want) {
  const Tensor g = got.to(DType::f64);
  double worst = 0;
  for (std::int64_t i = 0; i < g.numel(); ++i) worst = std::max(worst, std::abs(g.data<double>()[i] - want[i]));
  return worst;
}

// ---- forward values ----

TEST(OpsLinalg, MatmulTwoDimByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    EXPECT_TRUE(values_near(matmul(tensor({{1, 2}, {3, 4}}, dt), tensor({{5, 6}, {7, 8}}, dt)), {2, 2}, dt, {19, 22, 43, 50}));
    const Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}, dt);
    const Tensor b = tensor({{1, 0}, {0, 1}, {1, -1}}, dt);
    EXPECT_TRUE(values_near(matmul(a, b), {2, 2}, dt, {4, -1, 10, -1}));
    EXPECT_TRUE(values_near(matmul(b, a), {3, 3}, dt, {1, 2, 3, 4, 5, 6, -3, -3, -3}));
  }
}

TEST(OpsLinalg, MatmulVectorCasesByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor m = tensor({{5, 6}, {7, 8}}, dt);
    EXPECT_TRUE(values_near(matmul(tensor({1, 2}, dt), m), {2}, dt, {19, 22}));             // [K] x [K, N]
    EXPECT_TRUE(values_near(matmul(m, tensor({1, 2}, dt)), {2}, dt, {17, 23}));             // [M, K] x [K]
    EXPECT_TRUE(values_near(matmul(tensor({1, 2, 3}, dt), tensor({4, 5, 6}, dt)), {}, dt, {32}));  // dot
  }
}

TEST(OpsLinalg, MatmulStackedAndBatchedByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor a = tensor({1, 2, 3, 4, 0, 1, 1, 0}, {2, 2, 2}, dt);
    const Tensor m = tensor({{5, 6}, {7, 8}}, dt);
    // [..., M, K] x [K, N]: every matrix of the stack times one matrix.
    EXPECT_TRUE(values_near(matmul(a, m), {2, 2, 2}, dt, {19, 22, 43, 50, 7, 8, 5, 6}));
    // [B, M, K] x [B, K, N]: matrix b of one stack times matrix b of the other.
    const Tensor b = tensor({5, 6, 7, 8, 1, 0, 0, 1}, {2, 2, 2}, dt);
    EXPECT_TRUE(values_near(matmul(a, b), {2, 2, 2}, dt, {19, 22, 43, 50, 0, 1, 1, 0}));
    // [B, M, K] x [K] -> [B, M].
    EXPECT_TRUE(values_near(matmul(a, tensor({1, 10}, dt)), {2, 2}, dt, {21, 43, 10, 1}));
    // A 4-D stack [2, 1, 2, 2] x [2, 2].
    EXPECT_TRUE(values_near(matmul(tensor({1, 2, 3, 4, 0, 1, 1, 0}, {2, 1, 2, 2}, dt), m), {2, 1, 2, 2}, dt,
                            {19, 22, 43, 50, 7, 8, 5, 6}));
  }
}

TEST(OpsLinalg, LinearWithAndWithoutBiasByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor w = tensor({{1, 0, -1}, {2, 1, 0}}, dt);  // [out 2, in 3]
    const Tensor b = tensor({0.5, -1}, dt);
    const Tensor x = tensor({{1, 2, 3}, {0, 1, 0}}, dt);
    EXPECT_TRUE(values_near(linear(x, w, b), {2, 2}, dt, {-1.5, 3, 0.5, 0}));
    EXPECT_TRUE(values_near(linear(x, w), {2, 2}, dt, {-2, 4, 0, 1}));
    EXPECT_TRUE(values_near(linear(tensor({1, 2, 3}, dt), w, b), {2}, dt, {-1.5, 3}));
    EXPECT_TRUE(values_near(linear(tensor({1, 2, 3, 0, 1, 0}, {2, 1, 3}, dt), w, b), {2, 1, 2}, dt, {-1.5, 3, 0.5, 0}));
  }
}

// ---- gradchecks ----

struct MatmulCase {
  const char* name;
  Shape a, b;
};

// Small shapes (M*N*K <= 4096: the plain loop in kernels/gemm.cpp).
const MatmulCase kSmallCases[] = {
    {"2-D", {3, 4}, {4, 5}},           {"stack x matrix", {2, 3, 4}, {4, 5}},
    {"4-D stack x matrix", {2, 2, 3, 4}, {4, 5}}, {"batched", {2, 3, 4}, {2, 4, 5}},
    {"4-D batched", {2, 2, 3, 4}, {2, 2, 4, 5}},   {"vector x matrix", {4}, {4, 5}},
    {"matrix x vector", {3, 4}, {4}}, {"dot", {4}, {4}},
    {"stack x vector", {2, 3, 4}, {4}}, {"row x column", {1, 4}, {4, 1}}};

// Large shapes (M*N*K > 4096: through oneDNN / OpenBLAS, including their vector cases).
const MatmulCase kLargeCases[] = {
    {"2-D 20x30x40", {20, 30}, {30, 40}},       {"stack x matrix", {2, 10, 30}, {30, 40}},
    {"batched", {2, 20, 30}, {2, 30, 40}},      {"vector x matrix", {100}, {100, 50}},
    {"matrix x vector", {50, 100}, {100}},      {"dot", {5000}, {5000}},
    {"stack x vector", {4, 25, 60}, {60}}};

TEST(OpsLinalg, GradcheckMatmulSmallShapesEveryDocumentedCase) {
  for (const auto& c : kSmallCases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(gradcheck([](In in) { return matmul(in[0], in[1]); }, {random64(c.a, 1), random64(c.b, 2)}));
  }
}

TEST(OpsLinalg, GradcheckMatmulLargeShapesThroughLibraryGemm) {
  for (const auto& c : kLargeCases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(gradcheck([](In in) { return matmul(in[0], in[1]); }, {random64(c.a, 3), random64(c.b, 4)}));
  }
}

TEST(OpsLinalg, GradcheckMatmulWhenOnlyOneSideRequiresGrad) {
  const Tensor fixed = random64({4, 5}, 5);
  EXPECT_TRUE(gradcheck([fixed](In in) { return matmul(in[0], fixed); }, {random64({2, 3, 4}, 6)}));
  const Tensor left = random64({2, 3, 4}, 7);
  EXPECT_TRUE(gradcheck([left](In in) { return matmul(left, in[0]); }, {random64({2, 4, 5}, 8)}));
}

TEST(OpsLinalg, GradcheckLinearWithAndWithoutBias) {
  const auto with_bias = [](In in) { return linear(in[0], in[1], in[2]); };
  const auto without_bias = [](In in) { return linear(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(with_bias, {random64({3, 4}, 1), random64({5, 4}, 2), random64({5}, 3)}));
  EXPECT_TRUE(gradcheck(without_bias, {random64({3, 4}, 4), random64({5, 4}, 5)}));
  EXPECT_TRUE(gradcheck(with_bias, {random64({2, 3, 4}, 6), random64({5, 4}, 7), random64({5}, 8)}));
  EXPECT_TRUE(gradcheck(without_bias, {random64({2, 3, 4}, 9), random64({5, 4}, 10)}));
  EXPECT_TRUE(gradcheck(with_bias, {random64({4}, 11), random64({5, 4}, 12), random64({5}, 13)}));
}

TEST(OpsLinalg, GradcheckLinearLargeShapesThroughLibraryGemm) {
  EXPECT_TRUE(gradcheck([](In in) { return linear(in[0], in[1], in[2]); },
                        {random64({20, 30}, 14), random64({40, 30}, 15), random64({40}, 16)}));
  EXPECT_TRUE(gradcheck([](In in) { return linear(in[0], in[1]); }, {random64({2, 10, 30}, 17), random64({40, 30}, 18)}));
}

TEST(OpsLinalg, GradcheckLinearWhenOnlyTheBiasRequiresGrad) {
  const Tensor x = random64({3, 4}, 19), w = random64({5, 4}, 20);
  EXPECT_TRUE(gradcheck([x, w](In in) { return linear(x, w, in[0]); }, {random64({5}, 21)}));
}

// ---- large float32 products against a naive double loop ----

TEST(OpsLinalg, Float32Gemm300MatchesNaiveDoubleLoop) {
  const std::int64_t n = 300;
  Generator gen(30);
  const Tensor a = normal({n, n}, 0, 1, gen), b = normal({n, n}, 0, 1, gen);
  // Entries are sums of 300 products of unit normals (~17 in size); float32 keeps ~1e-6 relative.
  EXPECT_LT(max_abs_diff(matmul(a, b), naive_matmul(a, b, 1, n, n, n, false)), 2e-3);
}

TEST(OpsLinalg, Float32BatchedAndStackedMatchNaiveDoubleLoop) {
  Generator gen(31);
  const Tensor a = normal({4, 64, 80}, 0, 1, gen);
  const Tensor b = normal({4, 80, 48}, 0, 1, gen), shared = normal({80, 48}, 0, 1, gen);
  EXPECT_LT(max_abs_diff(matmul(a, b), naive_matmul(a, b, 4, 64, 80, 48, true)), 1e-3);
  EXPECT_LT(max_abs_diff(matmul(a, shared), naive_matmul(a, shared, 4, 64, 80, 48, false)), 1e-3);
}

TEST(OpsLinalg, Float32VectorCasesMatchNaiveDoubleLoop) {
  Generator gen(32);
  const Tensor m = normal({300, 200}, 0, 1, gen), u = normal({300}, 0, 1, gen), v = normal({200}, 0, 1, gen);
  EXPECT_LT(max_abs_diff(matmul(u, m), naive_matmul(u, m, 1, 1, 300, 200, false)), 1e-3);
  EXPECT_LT(max_abs_diff(matmul(m, v), naive_matmul(m, v, 1, 300, 200, 1, false)), 1e-3);
  const Tensor w = normal({5000}, 0, 1, gen), z = normal({5000}, 0, 1, gen);
  EXPECT_LT(max_abs_diff(matmul(w, z), naive_matmul(w, z, 1, 1, 5000, 1, false)), 1e-2);
}

TEST(OpsLinalg, Float32MatmulBackwardMatchesNaiveDoubleLoop) {
  const std::int64_t M = 100, K = 120, N = 90;
  Generator gen(33);
  Tensor a = normal({M, K}, 0, 1, gen).set_requires_grad();
  Tensor b = normal({K, N}, 0, 1, gen).set_requires_grad();
  const Tensor r = normal({M, N}, 0, 1, gen);
  sum(matmul(a, b) * r).backward();
  // dA = R B^T, dB = A^T R, each written as a plain product of the transposed copies.
  std::vector<double> bt(N * K), at(K * M);
  for (std::int64_t k = 0; k < K; ++k) {
    for (std::int64_t j = 0; j < N; ++j) bt[j * K + k] = b.data<float>()[k * N + j];
    for (std::int64_t i = 0; i < M; ++i) at[k * M + i] = a.data<float>()[i * K + k];
  }
  EXPECT_LT(max_abs_diff(a.grad(), naive_matmul(r, from_data(bt, {N, K}), 1, M, N, K, false)), 1e-3);
  EXPECT_LT(max_abs_diff(b.grad(), naive_matmul(from_data(at, {K, M}), r, 1, K, M, N, false)), 1e-3);
}

TEST(OpsLinalg, Float32LinearMatchesNaiveDoubleLoop) {
  const std::int64_t rows = 64, in = 300, out = 200;
  Generator gen(34);
  const Tensor x = normal({rows, in}, 0, 1, gen), w = normal({out, in}, 0, 1, gen), b = normal({out}, 0, 1, gen);
  std::vector<double> want(rows * out);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double acc = b.data<float>()[o];
      for (std::int64_t i = 0; i < in; ++i) acc += double(x.data<float>()[r * in + i]) * w.data<float>()[o * in + i];
      want[r * out + o] = acc;
    }
  EXPECT_LT(max_abs_diff(linear(x, w, b), want), 2e-3);
}

// ---- errors ----

TEST(OpsLinalg, MatmulInnerSizeMismatchNamesBothShapes) {
  EXPECT_TRUE(test::throws_error_with([] { matmul(ones({2, 3}), ones({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"}));
  EXPECT_TRUE(test::throws_error_with([] { matmul(ones({3}), ones({4})); }, {"matmul", "[3]", "[4]"}));
  EXPECT_TRUE(test::throws_error_with([] { matmul(ones({2, 3}), ones({2})); }, {"matmul", "[2, 3]", "[2]"}));
  EXPECT_TRUE(test::throws_error_with([] { matmul(ones({2, 5, 3}), ones({4, 6})); }, {"matmul", "[2, 5, 3]", "[4, 6]"}));
}

TEST(OpsLinalg, MatmulBatchMismatchNamesBothShapes) {
  EXPECT_TRUE(test::throws_error_with([] { matmul(ones({2, 3, 4}), ones({3, 4, 5})); },
                                      {"matmul", "[2, 3, 4]", "[3, 4, 5]"}));
}

TEST(OpsLinalg, MatmulOfZeroDimTensorThrows) {
  EXPECT_TRUE(test::throws_error_with([] { matmul(scalar(2), ones({2, 2})); }, {"matmul"}));
}

TEST(OpsLinalg, DtypeMismatchNamesBothDtypes) {
  const Tensor a = ones({2, 2}, DType::f32), b = ones({2, 2}, DType::f64);
  EXPECT_TRUE(test::throws_error_with([&] { matmul(a, b); }, {"matmul", "float32", "float64"}));
  EXPECT_TRUE(test::throws_error_with([&] { linear(a, b); }, {"linear", "float32", "float64"}));
  EXPECT_TRUE(test::throws_error_with([&] { linear(b, b, ones({2}, DType::f32)); }, {"linear", "float32", "float64"}));
}

TEST(OpsLinalg, LinearShapeMismatchNamesTheShapes) {
  EXPECT_TRUE(test::throws_error_with([] { linear(ones({2, 3}), ones({4, 5})); }, {"linear", "[2, 3]", "[4, 5]"}));
  EXPECT_TRUE(test::throws_error_with([] { linear(ones({2, 3}), ones({4, 3}), ones({5})); }, {"linear", "[5]"}));
  EXPECT_TRUE(test::throws_error_with([] { linear(ones({2, 3}), ones({3})); }, {"linear", "[3]"}));
}

}  // namespace
}  // namespace soma
