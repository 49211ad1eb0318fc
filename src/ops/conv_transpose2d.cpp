// conv_transpose2d: the checks and output-size arithmetic, then forward and backward as one
// fused node. A transposed convolution is conv2d's input gradient, so everything runs on
// conv2d's kernels with the roles swapped: the "convolution" below has the transposed op's
// output as its input and the transposed op's input as its output, weight unchanged.
//   forward     y  = conv2d backward-data (x as the output gradient)
//   grad input  gx = conv2d forward (gy as the input)
//   grad weight gw = conv2d backward-weights (gy as the input, x as the output gradient)
//   grad bias   gb = sums of gy per channel
#include "soma/ops/conv_transpose.h"

#include <sstream>
#include <string>
#include <type_traits>

#include "kernels/conv_dnnl.h"
#include "kernels/conv_transpose.h"
#include "kernels/im2col.h"
#include "soma/autograd/function.h"
#include "soma/ops/view.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// The convolution whose input gradient this op is, and its bottom/right padding, which is
// padding - output_padding and may be negative (the extra rows get no tap, only the bias).
struct TransposePlan {
  kernels::ConvShape shape;
  std::int64_t pad_bottom = 0, pad_right = 0;
  std::int64_t out_channels = 0;
};

// "input 2x7x7, kernel 4, stride 2, padding 1" (+ output_padding, dilation, groups when set).
std::string describe(const Shape& x, Pair kernel, const ConvTranspose2dParams& p) {
  std::ostringstream os;
  os << "input " << x[1] << 'x' << x[2] << 'x' << x[3] << ", kernel " << kernel << ", stride " << p.stride
     << ", padding " << p.padding;
  if (!(p.output_padding == Pair(0))) os << ", output_padding " << p.output_padding;
  if (!(p.dilation == Pair(1))) os << ", dilation " << p.dilation;
  if (p.groups != 1) os << ", groups " << p.groups;
  return os.str();
}

TransposePlan plan_transpose(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dParams& p) {
  constexpr const char* op = "conv_transpose2d";
  SOMA_CHECK(x.defined() && w.defined(), op, ": the ", x.defined() ? "weight" : "input", " is undefined");
  SOMA_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(w.dtype() == x.dtype() && (!b.defined() || b.dtype() == x.dtype()), op, ": the input is ",
             name_of(x.dtype()), " but the weight is ", name_of(w.dtype()),
             b.defined() ? std::string(" and the bias ") + name_of(b.dtype()) : std::string());
  SOMA_CHECK(x.dim() == 4, op, ": expected an input [N, C_in, H, W] (or [C_in, H, W]), got shape ", x.shape());
  SOMA_CHECK(w.dim() == 4, op, ": expected a weight [C_in, C_out / groups, kH, kW], got shape ", w.shape());
  const Pair kernel{w.size(2), w.size(3)};
  const std::int64_t C = x.size(1);
  SOMA_CHECK(p.groups >= 1, op, ": groups must be at least 1, got ", p.groups);
  SOMA_CHECK(p.stride.h >= 1 && p.stride.w >= 1 && p.dilation.h >= 1 && p.dilation.w >= 1 && kernel.h >= 1 &&
                 kernel.w >= 1,
             op, ": kernel, stride and dilation must be at least 1, got kernel ", kernel, ", stride ", p.stride,
             ", dilation ", p.dilation);
  SOMA_CHECK(p.padding.h >= 0 && p.padding.w >= 0 && p.output_padding.h >= 0 && p.output_padding.w >= 0, op,
             ": padding and output_padding must not be negative, got padding ", p.padding, ", output_padding ",
             p.output_padding);
  SOMA_CHECK((p.output_padding.h < p.stride.h || p.output_padding.h < p.dilation.h) &&
                 (p.output_padding.w < p.stride.w || p.output_padding.w < p.dilation.w),
             op, ": output_padding ", p.output_padding, " must be smaller than either stride ", p.stride,
             " or dilation ", p.dilation, " (as in PyTorch)");
  SOMA_CHECK(w.size(0) == C, op, ": weight ", w.shape(), " expects ", w.size(0),
             " input channels (its first size) but the input ", x.shape(), " has ", C);
  SOMA_CHECK(C % p.groups == 0, op, ": groups ", p.groups, " must divide the ", C, " input channels of weight ",
             w.shape());
  const std::int64_t out_channels = w.size(1) * p.groups;
  SOMA_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == out_channels), op, ": bias must be [", out_channels,
             "] (one per output channel: weight ", w.shape(), " has ", w.size(1), " x groups ", p.groups,
             "), got shape ", b.shape());
  SOMA_CHECK(x.size(2) >= 1 && x.size(3) >= 1, op, ": the input planes must not be empty, got shape ", x.shape());
  const std::int64_t OH =
      conv_transpose_output_size(x.size(2), kernel.h, p.stride.h, p.padding.h, p.output_padding.h, p.dilation.h);
  const std::int64_t OW =
      conv_transpose_output_size(x.size(3), kernel.w, p.stride.w, p.padding.w, p.output_padding.w, p.dilation.w);
  SOMA_CHECK(OH >= 1 && OW >= 1, op, ": ", describe(x.shape(), kernel, p), " -> ", OH, 'x', OW,
             " (each side: (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1): "
             "the output would be empty");

  TransposePlan plan;
  plan.out_channels = out_channels;
  kernels::ConvShape& s = plan.shape;
  s.N = x.size(0);
  s.groups = p.groups;
  s.O = C;
  s.g = {.C = w.size(1), .H = OH, .W = OW, .kH = kernel.h, .kW = kernel.w, .stride_h = p.stride.h,
         .stride_w = p.stride.w, .pad_top = p.padding.h, .pad_left = p.padding.w, .dil_h = p.dilation.h,
         .dil_w = p.dilation.w, .OH = x.size(2), .OW = x.size(3)};
  plan.pad_bottom = p.padding.h - p.output_padding.h;
  plan.pad_right = p.padding.w - p.output_padding.w;
  return plan;
}

// y = conv2d's input gradient for the output gradient x (+ bias), written in full.
template <class T>
void transpose_forward(const TransposePlan& plan, const T* x, const T* w, const T* b, T* y) {
  const kernels::ConvShape& s = plan.shape;
  bool done = false;
  if constexpr (std::is_same_v<T, float>)
    done = kernels::dnnl_conv2d_backward(s, plan.pad_bottom, plan.pad_right, nullptr, w, x, y, nullptr, nullptr);
  if (!done) {
    Storage workspace(std::size_t(kernels::conv_backward_workspace(s, false, false)) * sizeof(T));
    kernels::conv2d_backward<T>(s, nullptr, w, x, y, nullptr, nullptr, static_cast<T*>(workspace.data()));
  }
  if (b) kernels::add_channel_bias<T>(s.N, plan.out_channels, s.g.H * s.g.W, b, y);
}

// gx = conv2d(gy, w); gw = conv2d's weight gradient with gy as its input and x as its output
// gradient; gb = per-channel sums of gy. Each written in full where not null.
template <class T>
void transpose_backward(const TransposePlan& plan, const T* x, const T* w, const T* gy, T* gx, T* gw, T* gb) {
  const kernels::ConvShape& s = plan.shape;
  if (gx) {
    bool done = false;
    if constexpr (std::is_same_v<T, float>)
      done = kernels::dnnl_conv2d_forward(s, plan.pad_bottom, plan.pad_right, gy, w, nullptr, gx);
    if (!done) {
      Storage workspace(std::size_t(kernels::conv_forward_workspace(s)) * sizeof(T));
      kernels::conv2d_forward<T>(s, gy, w, nullptr, gx, static_cast<T*>(workspace.data()));
    }
  }
  if (gw) {
    bool done = false;
    if constexpr (std::is_same_v<T, float>)
      done = kernels::dnnl_conv2d_backward(s, plan.pad_bottom, plan.pad_right, gy, w, x, nullptr, gw, nullptr);
    if (!done) {
      Storage workspace(std::size_t(kernels::conv_backward_workspace(s, true, false)) * sizeof(T));
      kernels::conv2d_backward<T>(s, gy, w, x, nullptr, gw, nullptr, static_cast<T*>(workspace.data()));
    }
  }
  if (gb) kernels::sum_channels<T>(s.N, plan.out_channels, s.g.H * s.g.W, gy, gb);
}

Tensor conv_transpose2d_batched(const Tensor& x, const Tensor& w, const Tensor& b,
                                const ConvTranspose2dParams& params) {
  const TransposePlan plan = plan_transpose(x, w, b, params);
  const kernels::ConvShape& s = plan.shape;
  Tensor y(Shape{s.N, plan.out_channels, s.g.H, s.g.W}, x.dtype());
  dispatch_floating(x.dtype(), "conv_transpose2d", [&]<class T>() {
    transpose_forward<T>(plan, x.data<T>(), w.data<T>(), b.defined() ? b.data<T>() : nullptr, y.data<T>());
  });

  const bool has_bias = b.defined();
  if (has_bias ? needs_grad(x, w, b) : needs_grad(x, w)) {
    auto backward = [x = x.detach(), w = w.detach(), plan](const Tensor& gy, Grads& g) {
      const bool want_x = g.needed(0), want_w = g.needed(1), want_b = g.size() > 2 && g.needed(2);
      if (want_x) g[0] = Tensor(x.shape(), x.dtype());
      if (want_w) g[1] = Tensor(w.shape(), w.dtype());
      if (want_b) g[2] = Tensor(Shape{plan.out_channels}, x.dtype());
      dispatch_floating(x.dtype(), "conv_transpose2d", [&]<class T>() {
        transpose_backward<T>(plan, x.data<T>(), w.data<T>(), gy.data<T>(), want_x ? g[0].data<T>() : nullptr,
                              want_w ? g[1].data<T>() : nullptr, want_b ? g[2].data<T>() : nullptr);
      });
    };
    if (has_bias) record(y, "conv_transpose2d", {&x, &w, &b}, std::move(backward));
    else record(y, "conv_transpose2d", {&x, &w}, std::move(backward));
  }
  return y;
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dParams& params) {
  // One unbatched image [C, H, W] runs as a batch of one, through views.
  if (x.defined() && x.dim() == 3)
    return squeeze(conv_transpose2d_batched(unsqueeze(x, 0), weight, bias, params), 0);
  return conv_transpose2d_batched(x, weight, bias, params);
}

}  // namespace soma
