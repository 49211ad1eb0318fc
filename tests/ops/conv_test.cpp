// Tests of include/soma/ops/conv.h: conv2d values by hand, float64 gradchecks over a table of
// configurations (kernels 1-7, strides 1-3, padding 0/1/2/same/valid, dilation, groups,
// non-square and uneven sizes), float32 batches against a naive loop for both paths (oneDNN
// through the op, im2col + GEMM through the kernels) and for 1 and 2 threads, and the errors.
// PyTorch reference values are in tests/reference/conv_reference_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/conv_dnnl.h"
#include "kernels/im2col.h"
#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/core/threads.h"
#include "soma/ops/conv.h"
#include "support/gradcheck.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values_near;

// One convolution configuration: input [N, C, H, W], weight [O, C / groups, kH, kW].
struct Config {
  const char* name;
  std::int64_t N, C, H, W, O;
  Pair kernel, stride;
  Padding padding;
  Pair dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
};

const Config kConfigs[] = {
    {"pointwise", 2, 3, 5, 4, 2, 1, 1, 0},
    {"pointwise_stride2", 2, 3, 5, 4, 2, 1, 2, 0},
    {"k2_valid", 2, 2, 5, 6, 3, 2, 1, Padding::valid},
    {"k3_pad1", 2, 2, 5, 5, 3, 3, 1, 1},
    {"k3_stride2_pad1_uneven", 2, 2, 7, 6, 3, 3, 2, 1},
    {"k3_stride3_pad2", 1, 2, 8, 7, 2, 3, 3, 2},
    {"k3_same", 2, 2, 5, 6, 2, 3, 1, Padding::same},
    {"k4_same_asymmetric", 2, 2, 5, 6, 2, 4, 1, Padding::same},
    {"k5_stride2", 2, 1, 9, 11, 3, 5, 2, 0},
    {"k5_pad2", 1, 2, 6, 5, 2, 5, 1, 2},
    {"k6_valid", 1, 2, 7, 8, 2, 6, 1, 0},
    {"k7_pad3", 1, 1, 7, 7, 2, 7, 1, 3},
    {"k7_stride2", 1, 2, 9, 10, 2, 7, 2, 0},
    {"k3x5_stride1x2_pad1x2", 2, 2, 6, 9, 2, {3, 5}, {1, 2}, {1, 2}},
    {"k2x3_same", 1, 2, 5, 6, 2, {2, 3}, 1, Padding::same},
    {"dilation2_pad2", 1, 2, 7, 7, 2, 3, 1, 2, 2},
    {"dilation2_same", 1, 2, 6, 5, 2, 3, 1, Padding::same, 2},
    {"dilation2x1_stride1x2", 2, 2, 8, 7, 2, {3, 2}, {1, 2}, 0, {2, 1}},
    {"groups2", 2, 4, 5, 5, 6, 3, 1, 1, 1, 2},
    {"groups2_stride2_dilation2", 1, 4, 9, 8, 4, 3, 2, 1, 2, 2},
    {"depthwise", 2, 3, 6, 5, 3, 3, 1, 1, 1, 3},
    {"no_bias", 2, 2, 5, 6, 3, 3, 1, 1, 1, 1, false},
    {"pad_pair_0x2", 1, 2, 5, 4, 2, 3, 2, {0, 2}},
};

Conv2dParams params_of(const Config& c) {
  return {.stride = c.stride, .padding = c.padding, .dilation = c.dilation, .groups = c.groups};
}

// Padding before (top/left) and total along one axis, as conv2d resolves it.
std::pair<std::int64_t, std::int64_t> resolve(const Padding& p, std::int64_t size, std::int64_t k, std::int64_t d) {
  if (p.mode() == Padding::Mode::valid) return {0, 0};
  if (p.mode() == Padding::Mode::same) return {d * (k - 1) / 2, d * (k - 1)};
  return {size, 2 * size};
}

// A plain loop over every output and tap, in double: the tests' definition of conv2d.
struct NaiveConv {
  std::vector<double> y, gx, gw, gb;
  std::int64_t OH = 0, OW = 0;
};

NaiveConv naive_conv(const Config& c, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gy) {
  const Tensor x64 = x.to(DType::f64), w64 = w.to(DType::f64);
  const double *px = x64.data<double>(), *pw = w64.data<double>();
  const auto [pt, ph_total] = resolve(c.padding, c.padding.sizes().h, c.kernel.h, c.dilation.h);
  const auto [pl, pw_total] = resolve(c.padding, c.padding.sizes().w, c.kernel.w, c.dilation.w);
  NaiveConv r;
  r.OH = (c.H + ph_total - c.dilation.h * (c.kernel.h - 1) - 1) / c.stride.h + 1;
  r.OW = (c.W + pw_total - c.dilation.w * (c.kernel.w - 1) - 1) / c.stride.w + 1;
  const std::int64_t Cg = c.C / c.groups, Og = c.O / c.groups;
  r.y.assign(c.N * c.O * r.OH * r.OW, 0);
  r.gx.assign(x.numel(), 0);
  r.gw.assign(w.numel(), 0);
  r.gb.assign(c.O, 0);
  Tensor gy64 = gy.defined() ? gy.to(DType::f64) : Tensor();
  const Tensor b64 = b.defined() ? b.to(DType::f64) : Tensor();
  for (std::int64_t n = 0; n < c.N; ++n)
    for (std::int64_t o = 0; o < c.O; ++o)
      for (std::int64_t oh = 0; oh < r.OH; ++oh)
        for (std::int64_t ow = 0; ow < r.OW; ++ow) {
          const std::int64_t yi = ((n * c.O + o) * r.OH + oh) * r.OW + ow;
          const double g = gy.defined() ? gy64.data<double>()[yi] : 0;
          double acc = b.defined() ? b64.data<double>()[o] : 0;
          r.gb[o] += g;
          for (std::int64_t ci = 0; ci < Cg; ++ci)
            for (std::int64_t i = 0; i < c.kernel.h; ++i)
              for (std::int64_t j = 0; j < c.kernel.w; ++j) {
                const std::int64_t ih = oh * c.stride.h - pt + i * c.dilation.h;
                const std::int64_t iw = ow * c.stride.w - pl + j * c.dilation.w;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const std::int64_t xi = ((n * c.C + (o / Og) * Cg + ci) * c.H + ih) * c.W + iw;
                const std::int64_t wi = ((o * Cg + ci) * c.kernel.h + i) * c.kernel.w + j;
                acc += pw[wi] * px[xi];
                r.gx[xi] += pw[wi] * g;
                r.gw[wi] += px[xi] * g;
              }
          r.y[yi] = acc;
        }
  return r;
}

// Largest |got - want| relative to the largest |want| (float32 against the double loop).
double relative_error(const Tensor& got, const std::vector<double>& want) {
  const Tensor g = got.to(DType::f64);
  double worst = 0, scale = 1e-30;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    worst = std::max(worst, std::abs(g.data<double>()[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return worst / scale;
}

// Restores the thread count a test changed.
struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

// ---- forward values by hand ----

TEST(ConvOp, ForwardByHand) {
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    // x 1x1x3x3 = 1..9, a 2x2 kernel of ones: each output sums a 2x2 block.
    const Tensor xs = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, dt);
    const Tensor w = ones({1, 1, 2, 2}, dt);
    EXPECT_TRUE(values_near(conv2d(xs, w), {1, 1, 2, 2}, dt, {12, 16, 24, 28}));
    EXPECT_TRUE(values_near(conv2d(xs, w, tensor({0.5}, dt)), {1, 1, 2, 2}, dt, {12.5, 16.5, 24.5, 28.5}));
    // Cross-correlation, not flipped: a kernel [[1, 0], [0, 0]] picks the top-left pixel.
    const Tensor pick = tensor({1, 0, 0, 0}, {1, 1, 2, 2}, dt);
    EXPECT_TRUE(values_near(conv2d(xs, pick), {1, 1, 2, 2}, dt, {1, 2, 4, 5}));
    // Padding 1, stride 2: windows at -1 and 1 along each axis.
    EXPECT_TRUE(values_near(conv2d(xs, w, Tensor(), {.stride = 2, .padding = 1}), {1, 1, 2, 2}, dt,
                            {1, 5, 11, 28}));
    // 'same' with an even kernel pads the extra row and column at the bottom/right.
    EXPECT_TRUE(values_near(conv2d(xs, w, Tensor(), {.padding = Padding::same}), {1, 1, 3, 3}, dt,
                            {12, 16, 9, 24, 28, 15, 15, 17, 9}));
    // Dilation 2: the four corners.
    EXPECT_TRUE(values_near(conv2d(xs, w, Tensor(), {.dilation = 2}), {1, 1, 1, 1}, dt, {20}));
  }
}

TEST(ConvOp, GroupsKeepChannelsApart) {
  // Two groups of one channel each; output 0 sees only channel 0, output 1 only channel 1.
  const Tensor x = tensor({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 2, 2}, DType::f64);
  const Tensor w = tensor({1, 1, 1, 1, 1, 0, 0, 1}, {2, 1, 2, 2}, DType::f64);
  EXPECT_TRUE(values_near(conv2d(x, w, Tensor(), {.groups = 2}), {1, 2, 1, 1}, DType::f64, {10, 50}));
}

TEST(ConvOp, UnbatchedInputGivesUnbatchedOutput) {
  const Tensor x = random64({2, 5, 6}, 3), w = random64({3, 2, 3, 3}, 4);
  const Tensor y = conv2d(x, w, Tensor(), {.padding = 1});
  EXPECT_EQ(y.shape(), Shape({3, 5, 6}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], {.padding = 1}); },
                        {x, w, random64({3}, 5)}));
}

// ---- gradients ----

TEST(ConvGradcheck, EveryConfiguration) {
  std::uint64_t seed = 10;
  for (const Config& c : kConfigs) {
    SCOPED_TRACE(c.name);
    const Conv2dParams p = params_of(c);
    std::vector<Tensor> inputs = {random64({c.N, c.C, c.H, c.W}, seed++),
                                  random64({c.O, c.C / c.groups, c.kernel.h, c.kernel.w}, seed++)};
    if (c.bias) inputs.push_back(random64({c.O}, seed++));
    EXPECT_TRUE(gradcheck(
        [p, bias = c.bias](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], bias ? in[2] : Tensor(), p); },
        inputs));
  }
}

TEST(ConvGradcheck, OnlyTheWeightNeedsAGradient) {
  // A network's first layer: the input is data. Backward must skip the input gradient.
  const Tensor x = random64({2, 1, 6, 6}, 1);
  Tensor w = random64({3, 1, 3, 3}, 2).copy();
  w.set_requires_grad();
  conv2d(x, w, Tensor(), {.padding = 1}).backward(ones({2, 3, 6, 6}, DType::f64));
  ASSERT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
}

// ---- float32 against the naive loop, both paths, 1 and 2 threads ----

// Larger float32 batches: the op (oneDNN where it runs) and the im2col + GEMM kernels called
// directly, forward and every gradient, against the double loop.
TEST(ConvOp, Float32BatchesMatchNaiveLoopOnBothPathsAndThreadCounts) {
  const Config configs[] = {
      {"b3_conv2_like", 8, 16, 14, 14, 24, 3, 1, 1},
      {"b5_like_stride2", 6, 4, 18, 23, 8, 5, 2, 0},
      {"same_even_kernel", 5, 3, 9, 10, 4, 4, 1, Padding::same},
      {"groups_dilation", 4, 6, 11, 9, 6, 3, {2, 1}, 2, 2, 3},
      {"pointwise", 5, 8, 7, 6, 5, 1, 1, 0},
      {"batch_smaller_than_threads", 1, 3, 12, 12, 4, 3, 1, 1},
  };
  ThreadsGuard restore;
  Generator gen(42);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Config& c : configs) {
      SCOPED_TRACE(std::string(c.name) + ", threads " + std::to_string(threads));
      Tensor x = uniform({c.N, c.C, c.H, c.W}, -1, 1, gen);
      Tensor w = uniform({c.O, c.C / c.groups, c.kernel.h, c.kernel.w}, -0.5, 0.5, gen);
      Tensor b = uniform({c.O}, -0.5, 0.5, gen);
      const NaiveConv want_shape = naive_conv(c, x, w, b, Tensor());
      const Tensor gy = uniform({c.N, c.O, want_shape.OH, want_shape.OW}, -1, 1, gen);
      const NaiveConv want = naive_conv(c, x, w, b, gy);
      constexpr double kTol = 1e-5;

      // The op.
      x.set_requires_grad();
      w.set_requires_grad();
      b.set_requires_grad();
      const Tensor y = conv2d(x, w, b, params_of(c));
      EXPECT_LT(relative_error(y, want.y), kTol);
      y.backward(gy);
      EXPECT_LT(relative_error(x.grad(), want.gx), kTol);
      EXPECT_LT(relative_error(w.grad(), want.gw), kTol);
      EXPECT_LT(relative_error(b.grad(), want.gb), kTol);

      // The im2col + GEMM kernels, which the op uses for float64 and where oneDNN cannot run.
      const auto [pt, ph_total] = resolve(c.padding, c.padding.sizes().h, c.kernel.h, c.dilation.h);
      const auto [pl, pw_total] = resolve(c.padding, c.padding.sizes().w, c.kernel.w, c.dilation.w);
      kernels::ConvShape s;
      s.N = c.N;
      s.groups = c.groups;
      s.O = c.O;
      s.g = {.C = c.C / c.groups, .H = c.H, .W = c.W, .kH = c.kernel.h, .kW = c.kernel.w, .stride_h = c.stride.h,
             .stride_w = c.stride.w, .pad_top = pt, .pad_left = pl, .dil_h = c.dilation.h, .dil_w = c.dilation.w,
             .OH = want.OH, .OW = want.OW};
      Tensor y2 = full(y.shape(), NAN), gx = full(x.shape(), NAN), gw = full(w.shape(), NAN), gb = full(b.shape(), NAN);
      Tensor fws(Shape{kernels::conv_forward_workspace(s)}, DType::f32);
      kernels::conv2d_forward<float>(s, x.data<float>(), w.data<float>(), b.data<float>(), y2.data<float>(),
                                     fws.data<float>());
      EXPECT_LT(relative_error(y2, want.y), kTol);
      Tensor bws(Shape{kernels::conv_backward_workspace(s, true, true)}, DType::f32);
      kernels::conv2d_backward<float>(s, x.data<float>(), w.data<float>(), gy.data<float>(), gx.data<float>(),
                                      gw.data<float>(), gb.data<float>(), bws.data<float>());
      EXPECT_LT(relative_error(gx, want.gx), kTol);
      EXPECT_LT(relative_error(gw, want.gw), kTol);
      EXPECT_LT(relative_error(gb, want.gb), kTol);

      // oneDNN asked directly for each gradient alone (the op's partial requests).
      const std::int64_t pb = ph_total - pt, pr = pw_total - pl;
      Tensor only_b = full(b.shape(), NAN), only_w = full(w.shape(), NAN);
      if (kernels::dnnl_conv2d_backward(s, pb, pr, x.data<float>(), w.data<float>(), gy.data<float>(), nullptr,
                                        nullptr, only_b.data<float>()))
        EXPECT_LT(relative_error(only_b, want.gb), kTol);
      if (kernels::dnnl_conv2d_backward(s, pb, pr, x.data<float>(), w.data<float>(), gy.data<float>(), nullptr,
                                        only_w.data<float>(), nullptr))
        EXPECT_LT(relative_error(only_w, want.gw), kTol);
    }
  }
}

TEST(ConvOp, SameInputsGiveTheSameResultsEveryCall) {
  // Cached primitives and reused buffers must not leak state from one call to the next.
  Generator gen(3);
  const Tensor x = uniform({4, 3, 10, 10}, -1, 1, gen), w = uniform({5, 3, 3, 3}, -1, 1, gen);
  const Tensor a = conv2d(x, w, Tensor(), {.padding = 1});
  conv2d(uniform({4, 3, 10, 10}, -1, 1, gen), w, Tensor(), {.padding = 1});
  const Tensor b = conv2d(x, w, Tensor(), {.padding = 1});
  for (std::int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << i;
}

TEST(ConvOp, EmptyBatchGivesEmptyOutputAndZeroWeightGradient) {
  // PyTorch accepts N = 0; the weight and bias gradients are then sums over nothing.
  for (DType dt : test::kFloatDTypes) {
    SCOPED_TRACE(name_of(dt));
    Tensor x = zeros({0, 2, 5, 5}, dt), w = ones({3, 2, 3, 3}, dt), b = ones({3}, dt);
    x.set_requires_grad();
    w.set_requires_grad();
    b.set_requires_grad();
    const Tensor y = conv2d(x, w, b, {.padding = 1});
    EXPECT_EQ(y.shape(), Shape({0, 3, 5, 5}));
    y.backward(zeros(y.shape(), dt));
    EXPECT_TRUE(values_near(b.grad(), {3}, dt, {0, 0, 0}));
    EXPECT_TRUE(values_near(w.grad(), w.shape(), dt, std::vector<double>(w.numel(), 0)));
    EXPECT_EQ(x.grad().shape(), x.shape());
  }
}

// ---- errors ----

TEST(ConvOp, ErrorsNameTheOpAndShowTheArithmetic) {
  const Tensor x = zeros({1, 1, 28, 28}), w3 = zeros({32, 3, 3, 3});
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, w3); },
                                {"conv2d: weight [32, 3, 3, 3] expects 3 input channels", "groups 1",
                                 "the input [1, 1, 28, 28] has 1"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(zeros({1, 1, 3, 3}), zeros({1, 1, 5, 5})); },
                                {"conv2d: the kernel does not fit", "input 1x3x3, kernel 5, stride 1, padding 0",
                                 "padded input is 3x3 but the kernel spans 5x5"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3}), Tensor(), {.dilation = 2}); },
                                {"dilation 2", "the kernel spans 5x5"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({4, 1, 3, 3}), zeros({3})); },
                                {"conv2d: bias must be [4]", "got shape [3]"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), {.groups = 2}); },
                                {"conv2d: groups 2 must divide the 3 output channels"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({2, 1, 3, 3}), Tensor(), {.groups = 0}); },
                                {"conv2d: groups must be at least 1"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({2, 1, 3, 3}), Tensor(), {.stride = 0}); },
                                {"conv2d: kernel, stride and dilation must be at least 1", "stride 0"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({2, 1, 3, 3}), Tensor(), {.padding = {1, -1}}); },
                                {"conv2d: padding must not be negative", "1x-1"}));
  EXPECT_TRUE(throws_error_with(
      [&] { conv2d(x, zeros({2, 1, 3, 3}), Tensor(), {.stride = 2, .padding = Padding::same}); },
      {"conv2d: padding 'same' needs stride 1", "stride 2"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(zeros({28, 28}), w3); }, {"conv2d: expected an input [N, C, H, W]", "[28, 28]"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({32, 3, 3})); }, {"conv2d: expected a weight [C_out", "[32, 3, 3]"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(x, zeros({2, 1, 3, 3}, DType::f64)); },
                                {"conv2d: the input is float32 but the weight is float64"}));
  EXPECT_TRUE(throws_error_with([&] { conv2d(Tensor(), w3); }, {"conv2d: the input is undefined"}));
}

}  // namespace
}  // namespace soma
