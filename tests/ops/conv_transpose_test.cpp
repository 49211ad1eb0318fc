// Tests of include/soma/ops/conv_transpose.h: values by hand, the adjoint relation to conv2d,
// float64 gradchecks over a table of configurations (kernels 1-5, strides 1-3, padding 0/1/2,
// output_padding, dilation, groups, non-square and uneven sizes), float32 batches against a
// naive scatter loop at 1 and 2 threads, and the errors. PyTorch reference values are in
// tests/reference/upsampling_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/conv.h"
#include "soma/ops/conv_transpose.h"
#include "soma/ops/reduction.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;

// Input [N, C, H, W], weight [C, O / groups, kH, kW].
struct Config {
  const char* name;
  std::int64_t N, C, H, W, O;
  Pair kernel, stride, padding, output_padding = 0;
  std::int64_t groups = 1;
  Pair dilation = 1;
  bool bias = true;
};

const Config kConfigs[] = {
    {"k1", 2, 3, 4, 5, 2, 1, 1, 0},
    {"k1_stride2_outpad1", 1, 3, 3, 4, 2, 1, 2, 0, 1},
    {"k2_stride2", 2, 2, 3, 4, 3, 2, 2, 0},
    {"k3_pad1", 2, 2, 4, 3, 3, 3, 1, 1},
    {"k3_pad2_shrinks", 1, 2, 6, 5, 2, 3, 1, 2},
    {"k3_stride2_pad1_outpad1", 2, 2, 4, 3, 3, 3, 2, 1, 1},
    {"k3_stride2_outpad1_nopad", 1, 2, 3, 4, 2, 3, 2, 0, 1},
    {"k3_stride3_pad2_outpad2", 1, 2, 3, 3, 2, 3, 3, 2, 2},
    {"k4_stride2_pad1", 2, 3, 4, 4, 2, 4, 2, 1},
    {"k4_stride2_pad1_nonsquare", 1, 2, 3, 5, 2, 4, 2, 1},
    {"k5_stride2_pad2_outpad1", 1, 2, 3, 4, 2, 5, 2, 2, 1},
    {"k5_stride3_pad1", 1, 1, 3, 2, 2, 5, 3, 1},
    {"k2x3_stride1x2_pad0x1_outpad0x1", 2, 2, 4, 3, 2, {2, 3}, {1, 2}, {0, 1}, {0, 1}},
    {"dilation2_stride2_outpad1", 1, 2, 3, 4, 2, 3, 2, 1, 1, 1, 2},
    {"dilation3_outpad2", 1, 2, 3, 3, 2, 2, 1, 0, 2, 1, 3},
    {"groups2", 2, 4, 3, 4, 6, 3, 1, 1, 0, 2},
    {"depthwise_stride2", 2, 3, 3, 3, 3, 3, 2, 1, 1, 3},
    {"no_bias", 2, 2, 3, 4, 3, 3, 2, 1, 1, 1, 1, false},
};

ConvTranspose2dParams params_of(const Config& c) {
  return {.stride = c.stride,
          .padding = c.padding,
          .output_padding = c.output_padding,
          .groups = c.groups,
          .dilation = c.dilation};
}

// The tests' definition of conv_transpose2d: every input pixel scatters into the output.
struct Naive {
  std::vector<double> y, gx, gw, gb;
  std::int64_t OH = 0, OW = 0;
};

Naive naive(const Config& c, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gy) {
  const Tensor x64 = x.to(DType::f64), w64 = w.to(DType::f64);
  const double *px = x64.data<double>(), *pw = w64.data<double>();
  Naive r;
  r.OH = (c.H - 1) * c.stride.h - 2 * c.padding.h + c.dilation.h * (c.kernel.h - 1) + c.output_padding.h + 1;
  r.OW = (c.W - 1) * c.stride.w - 2 * c.padding.w + c.dilation.w * (c.kernel.w - 1) + c.output_padding.w + 1;
  const std::int64_t Cg = c.C / c.groups, Og = c.O / c.groups, P = r.OH * r.OW;
  r.y.assign(c.N * c.O * P, 0);
  r.gx.assign(x.numel(), 0);
  r.gw.assign(w.numel(), 0);
  r.gb.assign(c.O, 0);
  const Tensor gy64 = gy.defined() ? gy.to(DType::f64) : Tensor();
  const double* pg = gy.defined() ? gy64.data<double>() : nullptr;
  if (b.defined()) {
    const Tensor b64 = b.to(DType::f64);
    for (std::int64_t i = 0; i < std::int64_t(r.y.size()); ++i) r.y[i] = b64.data<double>()[(i / P) % c.O];
  }
  if (pg)
    for (std::int64_t i = 0; i < std::int64_t(r.y.size()); ++i) r.gb[(i / P) % c.O] += pg[i];
  for (std::int64_t n = 0; n < c.N; ++n)
    for (std::int64_t ci = 0; ci < c.C; ++ci)
      for (std::int64_t ih = 0; ih < c.H; ++ih)
        for (std::int64_t iw = 0; iw < c.W; ++iw) {
          const std::int64_t xi = ((n * c.C + ci) * c.H + ih) * c.W + iw;
          for (std::int64_t o = 0; o < Og; ++o)
            for (std::int64_t i = 0; i < c.kernel.h; ++i)
              for (std::int64_t j = 0; j < c.kernel.w; ++j) {
                const std::int64_t oh = ih * c.stride.h - c.padding.h + i * c.dilation.h;
                const std::int64_t ow = iw * c.stride.w - c.padding.w + j * c.dilation.w;
                if (oh < 0 || oh >= r.OH || ow < 0 || ow >= r.OW) continue;
                const std::int64_t yi = ((n * c.O + (ci / Cg) * Og + o) * r.OH + oh) * r.OW + ow;
                const std::int64_t wi = ((ci * Og + o) * c.kernel.h + i) * c.kernel.w + j;
                r.y[yi] += px[xi] * pw[wi];
                if (pg) {
                  r.gx[xi] += pg[yi] * pw[wi];
                  r.gw[wi] += pg[yi] * px[xi];
                }
              }
        }
  return r;
}

double relative_error(const Tensor& got, const std::vector<double>& want) {
  const Tensor g = got.to(DType::f64);
  double worst = 0, scale = 1e-30;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    worst = std::max(worst, std::abs(g.data<double>()[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return worst / scale;
}

struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

// ---- values by hand ----

TEST(ConvTransposeOp, ForwardByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    const Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, dt), w = ones({1, 1, 2, 2}, dt);
    // Stride 1: each pixel adds itself to a 2x2 window; windows overlap in the middle.
    EXPECT_TRUE(values_near(conv_transpose2d(x, w), {1, 1, 3, 3}, dt, {1, 3, 2, 4, 10, 6, 3, 7, 4}));
    // Stride 2: the windows tile the output, each a 2x2 block of its pixel (plus the bias).
    EXPECT_TRUE(values_near(conv_transpose2d(x, w, tensor({0.5}, dt), {.stride = 2}), {1, 1, 4, 4}, dt,
                            {1.5, 1.5, 2.5, 2.5, 1.5, 1.5, 2.5, 2.5, 3.5, 3.5, 4.5, 4.5, 3.5, 3.5, 4.5, 4.5}));
    // Padding 1 cuts the outer ring of the stride-1 result; output_padding adds a row and a
    // column at the bottom/right that only the bias reaches.
    EXPECT_TRUE(values_near(conv_transpose2d(x, w, Tensor(), {.padding = 1}), {1, 1, 1, 1}, dt, {10}));
    EXPECT_TRUE(values_near(conv_transpose2d(x, w, tensor({1}, dt), {.stride = 2, .output_padding = 1}),
                            {1, 1, 5, 5}, dt,
                            {2, 2, 3, 3, 1, 2, 2, 3, 3, 1, 4, 4, 5, 5, 1, 4, 4, 5, 5, 1, 1, 1, 1, 1, 1}));
    // Not flipped: the kernel tap (0, 1) of pixel (0, 0) lands at output (0, 1).
    const Tensor pick = tensor({0, 1, 0, 0}, {1, 1, 2, 2}, dt);
    EXPECT_TRUE(values_near(conv_transpose2d(tensor({5}, {1, 1, 1, 1}, dt), pick), {1, 1, 2, 2}, dt, {0, 5, 0, 0}));
  }
}

TEST(ConvTransposeOp, IsTheAdjointOfConv2d) {
  // <conv2d(a, w), b> == <a, conv_transpose2d(b, w)> for the same weight and geometry.
  const Tensor a = random64({2, 4, 9, 8}, 1), w = random64({6, 2, 3, 3}, 2);
  const Conv2dParams cp{.stride = 2, .padding = 1, .dilation = {1, 2}, .groups = 2};
  const Tensor ya = conv2d(a, w, Tensor(), cp);
  const Tensor b = random64(ya.shape(), 3);
  // ya is 5x3; back to 9x8 takes output_padding 0 along H ((5-1)*2 - 2 + 2 + 1 = 9) and 1 along W.
  const Tensor tb = conv_transpose2d(
      b, w, Tensor(), {.stride = 2, .padding = 1, .output_padding = {0, 1}, .groups = 2, .dilation = {1, 2}});
  ASSERT_EQ(tb.shape(), a.shape());
  EXPECT_NEAR(sum(ya * b).item(), sum(a * tb).item(), 1e-12);
}

TEST(ConvTransposeOp, UnbatchedInputGivesUnbatchedOutput) {
  const Tensor x = random64({2, 3, 4}, 3), w = random64({2, 3, 3, 3}, 4);
  EXPECT_EQ(conv_transpose2d(x, w, Tensor(), {.stride = 2}).shape(), Shape({3, 7, 9}));
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) { return conv_transpose2d(in[0], in[1], in[2], {.stride = 2}); },
      {x, w, random64({3}, 5)}));
}

// ---- gradients ----

TEST(ConvTransposeGradcheck, EveryConfiguration) {
  std::uint64_t seed = 100;
  for (const Config& c : kConfigs) {
    SCOPED_TRACE(c.name);
    const ConvTranspose2dParams p = params_of(c);
    std::vector<Tensor> inputs = {random64({c.N, c.C, c.H, c.W}, seed++),
                                  random64({c.C, c.O / c.groups, c.kernel.h, c.kernel.w}, seed++)};
    if (c.bias) inputs.push_back(random64({c.O}, seed++));
    EXPECT_TRUE(gradcheck(
        [p, bias = c.bias](const std::vector<Tensor>& in) {
          return conv_transpose2d(in[0], in[1], bias ? in[2] : Tensor(), p);
        },
        inputs));
  }
}

TEST(ConvTransposeGradcheck, OnlyTheWeightNeedsAGradient) {
  const Tensor x = random64({2, 3, 3, 3}, 1);
  Tensor w = random64({3, 2, 4, 4}, 2).copy();
  w.set_requires_grad();
  conv_transpose2d(x, w, Tensor(), {.stride = 2, .padding = 1}).backward(ones({2, 2, 6, 6}, DType::f64));
  ASSERT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
}

// ---- float32 against the naive loop ----

TEST(ConvTransposeOp, Float32BatchesMatchNaiveLoopAtOneAndTwoThreads) {
  const Config configs[] = {
      {"dcgan_like", 8, 32, 7, 7, 16, 4, 2, 1},
      {"dcgan_to_one_channel", 6, 16, 14, 14, 1, 4, 2, 1},
      {"stride2_outpad_gt_pad", 5, 8, 6, 5, 8, 3, 2, 0, 1},
      {"groups_dilation", 4, 6, 5, 6, 9, 3, {2, 1}, 1, {1, 0}, 3, {1, 2}},
      {"pointwise", 5, 8, 7, 6, 5, 1, 1, 0},
      {"batch_one", 1, 12, 5, 5, 12, 3, 3, 2, 2},
  };
  ThreadsGuard restore;
  Generator gen(7);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Config& c : configs) {
      SCOPED_TRACE(std::string(c.name) + ", threads " + std::to_string(threads));
      Tensor x = uniform({c.N, c.C, c.H, c.W}, -1, 1, gen);
      Tensor w = uniform({c.C, c.O / c.groups, c.kernel.h, c.kernel.w}, -0.5, 0.5, gen);
      Tensor b = uniform({c.O}, -0.5, 0.5, gen);
      const Naive shape = naive(c, x, w, b, Tensor());
      const Tensor gy = uniform({c.N, c.O, shape.OH, shape.OW}, -1, 1, gen);
      const Naive want = naive(c, x, w, b, gy);
      x.set_requires_grad();
      w.set_requires_grad();
      b.set_requires_grad();
      const Tensor y = conv_transpose2d(x, w, b, params_of(c));
      constexpr double kTol = 1e-5;
      EXPECT_LT(relative_error(y, want.y), kTol);
      y.backward(gy);
      EXPECT_LT(relative_error(x.grad(), want.gx), kTol);
      EXPECT_LT(relative_error(w.grad(), want.gw), kTol);
      EXPECT_LT(relative_error(b.grad(), want.gb), kTol);
    }
  }
}

TEST(ConvTransposeOp, EmptyBatchGivesEmptyOutputAndZeroWeightGradient) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    Tensor x = zeros({0, 2, 3, 3}, dt), w = ones({2, 3, 4, 4}, dt), b = ones({3}, dt);
    x.set_requires_grad();
    w.set_requires_grad();
    b.set_requires_grad();
    const Tensor y = conv_transpose2d(x, w, b, {.stride = 2, .padding = 1});
    EXPECT_EQ(y.shape(), Shape({0, 3, 6, 6}));
    y.backward(zeros(y.shape(), dt));
    EXPECT_TRUE(values_near(b.grad(), {3}, dt, {0, 0, 0}));
    EXPECT_TRUE(values_near(w.grad(), w.shape(), dt, std::vector<double>(w.numel(), 0)));
    EXPECT_EQ(x.grad().shape(), x.shape());
  }
}

// ---- errors ----

TEST(ConvTransposeOp, ErrorsNameTheOpAndShowTheArithmetic) {
  const Tensor x = zeros({1, 4, 7, 7});
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({3, 2, 4, 4})); },
                                {"conv_transpose2d: weight [3, 2, 4, 4] expects 3 input channels",
                                 "the input [1, 4, 7, 7] has 4"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(zeros({1, 1, 2, 2}), zeros({1, 1, 1, 1}), Tensor(), {.padding = 1}); },
                                {"conv_transpose2d: input 1x2x2, kernel 1, stride 1, padding 1 -> 0x0",
                                 "(in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1",
                                 "the output would be empty"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 4, 4}), Tensor(), {.stride = 2, .output_padding = 2}); },
                                {"conv_transpose2d: output_padding 2 must be smaller than either stride 2 or dilation 1"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 4, 4}), zeros({3})); },
                                {"conv_transpose2d: bias must be [2]", "got shape [3]"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(zeros({1, 3, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), {.groups = 2}); },
                                {"conv_transpose2d: groups 2 must divide the 3 input channels"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), {.groups = 0}); },
                                {"conv_transpose2d: groups must be at least 1"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), {.stride = {1, 0}}); },
                                {"conv_transpose2d: kernel, stride and dilation must be at least 1", "stride 1x0"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 3, 3}), Tensor(), {.padding = -1}); },
                                {"conv_transpose2d: padding and output_padding must not be negative"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(zeros({7, 7}), zeros({4, 2, 3, 3})); },
                                {"conv_transpose2d: expected an input [N, C_in, H, W]", "[7, 7]"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 3})); },
                                {"conv_transpose2d: expected a weight [C_in, C_out / groups, kH, kW]", "[4, 2, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(x, zeros({4, 2, 3, 3}, DType::f64)); },
                                {"conv_transpose2d: the input is float32 but the weight is float64"}));
  EXPECT_TRUE(throws_error_with([&] { conv_transpose2d(Tensor(), zeros({4, 2, 3, 3})); },
                                {"conv_transpose2d: the input is undefined"}));
}

}  // namespace
}  // namespace soma
